// OpenTelemetry exporters: where data planes send the spans of every request.
// Secret header values (authorization, API keys) are envelope-encrypted like
// provider secrets, bound to the exporter's id, and leave the control plane
// only in the data-plane snapshot. Plain headers refuse credential-like names.
import crypto from 'node:crypto';
import type { OtlpProtocol, TelemetryExporter } from '../../plugin/contract';
import { ApiError, conflict, invalidField, notFound } from '../errors';
import type { Models } from '../models';
import type { DocumentLocks } from './document-locks';
import type { TelemetryExporterDoc } from '../models/telemetry-exporter.model';
import type { Actor } from './actor';
import type { AuditService } from './audit.service';
import type { ConfigVersionService } from './config-version.service';
import type { EnvelopeCipher } from './envelope-encryption';
import { isDuplicateKeyError } from './mongo-errors';

export interface ExporterInput {
  name: string;
  url: string;
  protocol?: OtlpProtocol;
  headers?: Record<string, string>;
  secretHeaders?: Record<string, string>;
  samplingRatio?: number;
  content?: boolean;
  enabled?: boolean;
}

export type ExporterPatch = Partial<Omit<ExporterInput, 'name' | 'secretHeaders'>> & { secretHeaders?: Record<string, string | null> };

/** Header names that carry credentials: their values belong in secretHeaders. */
const CREDENTIAL_NAME = /(^|[-_.])(authorization|auth|api[-_.]?key|key|token|secret|password|passwd|cookie|signature|credentials?)([-_.]|$)/i;

export function exporterToApi(d: TelemetryExporterDoc) {
  return {
    id: d._id,
    name: d.name,
    url: d.url,
    protocol: d.protocol,
    // Lean documents get no schema defaults: one saved without headers has none.
    /* eslint-disable @typescript-eslint/no-unnecessary-condition */
    headers: d.headers ?? {},
    secretHeaders: [...(d.secretHeaderNames ?? [])].sort(),
    /* eslint-enable @typescript-eslint/no-unnecessary-condition */
    samplingRatio: d.samplingRatio,
    content: d.content,
    enabled: d.enabled,
    version: d.version,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

/** The id under which an exporter's secret headers are encrypted (never the same as a provider secret's). */
const cipherId = (exporterId: string) => `telemetry-exporter:${exporterId}`;

export class TelemetryExportersService {
  constructor(
    private readonly models: Models,
    private readonly cipher: EnvelopeCipher,
    private readonly versions: ConfigVersionService,
    private readonly audit: AuditService,
    /**
     * Writes one at a time per document, across processes: FerretDB checks a
     * compare-and-set's version and writes in separate steps, so two racing
     * updates could both apply, and rotate-kek re-wraps from another process
     * (document-locks.ts).
     */
    private readonly locks: DocumentLocks,
  ) {}

  async list() {
    const docs = await this.models.telemetryExporters.find().sort({ name: 1 }).lean<TelemetryExporterDoc[]>();
    return docs.map(exporterToApi);
  }

  async get(name: string) {
    return exporterToApi(await this.find(name));
  }

  async create(actor: Actor, input: ExporterInput) {
    const headers = checkHeaders(input.headers ?? {}, input.secretHeaders ?? {});
    const id = crypto.randomUUID();
    const now = new Date();
    const secret = input.secretHeaders ?? {};
    const doc: TelemetryExporterDoc = {
      _id: id,
      name: input.name,
      url: checkUrl(input.url),
      protocol: input.protocol ?? 'http/protobuf',
      headers,
      secretHeaderNames: Object.keys(secret).map((n) => n.toLowerCase()),
      ...(Object.keys(secret).length ? { encrypted: this.cipher.encrypt(cipherId(id), lowerKeys(secret)) } : {}),
      samplingRatio: input.samplingRatio ?? 1,
      content: input.content ?? false,
      enabled: input.enabled ?? true,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.models.telemetryExporters.create(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict('exporter_name_taken', `name: an exporter named '${input.name}' already exists`);
      throw err;
    }
    await this.versions.bump();
    await this.audit.record(actor, 'telemetry_exporter.create', { type: 'telemetry_exporter', id, name: doc.name }, summaryOf(doc));
    return exporterToApi(doc);
  }

  async patch(actor: Actor, name: string, patch: ExporterPatch) {
    const current = await this.find(name);
    const secret = current.encrypted ? this.cipher.decrypt(cipherId(current._id), current.encrypted) : {};
    for (const [header, value] of Object.entries(patch.secretHeaders ?? {})) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the record is keyed by header name; null removes that header
      if (value === null) delete secret[header.toLowerCase()];
      else secret[header.toLowerCase()] = value;
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- as in exporterToApi: a lean document may lack headers
    const headers = checkHeaders(patch.headers ?? current.headers ?? {}, secret);
    const set = {
      url: patch.url !== undefined ? checkUrl(patch.url) : current.url,
      protocol: patch.protocol ?? current.protocol,
      headers,
      secretHeaderNames: Object.keys(secret),
      samplingRatio: patch.samplingRatio ?? current.samplingRatio,
      content: patch.content ?? current.content,
      enabled: patch.enabled ?? current.enabled,
      version: current.version + 1,
      updatedAt: new Date(),
    };
    // Secret headers not patched: their stored form is left alone, not written back as read (rotate-kek may
    // have re-wrapped it since, and writing the old form back would strand it under a KEK about to be dropped).
    const update = !Object.keys(secret).length
      ? { $set: set, $unset: { encrypted: '' } }
      : patch.secretHeaders
        ? { $set: { ...set, encrypted: this.cipher.encrypt(cipherId(current._id), secret) } }
        : { $set: set };
    // Optimistic concurrency: the update applies only to the version we read.
    const updated = await this.locks.run(`exporter:${current._id}`, () =>
      this.models.telemetryExporters.findOneAndUpdate({ _id: current._id, version: current.version }, update, { new: true }).lean<TelemetryExporterDoc>(),
    );
    if (!updated) throw new ApiError(409, 'concurrent_modification', `exporter '${name}' was changed by someone else; retry`);
    await this.versions.bump();
    const changed = Object.keys(patch).sort().join(', ');
    await this.audit.record(
      actor,
      'telemetry_exporter.patch',
      { type: 'telemetry_exporter', id: updated._id, name },
      `version ${updated.version}; changed ${changed}`,
    );
    return exporterToApi(updated);
  }

  async delete(actor: Actor, name: string) {
    const current = await this.find(name);
    await this.models.telemetryExporters.deleteOne({ _id: current._id });
    await this.versions.bump();
    await this.audit.record(actor, 'telemetry_exporter.delete', { type: 'telemetry_exporter', id: current._id, name });
  }

  /** Enabled exporters with their secret headers decrypted, for the data-plane snapshot only. */
  async forSnapshot(): Promise<TelemetryExporter[]> {
    const docs = await this.models.telemetryExporters.find({ enabled: true }).sort({ name: 1 }).lean<TelemetryExporterDoc[]>();
    return docs.map((d) => ({
      id: d._id,
      name: d.name,
      url: d.url,
      protocol: d.protocol,
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- as in exporterToApi
      headers: { ...(d.headers ?? {}), ...(d.encrypted ? this.cipher.decrypt(cipherId(d._id), d.encrypted) : {}) },
      samplingRatio: d.samplingRatio,
      content: d.content,
      version: d.version,
    }));
  }

  /** Re-wraps the data keys of secret headers not yet under the current KEK (npm run rotate-kek). */
  async rewrapAll(): Promise<{ rewrapped: number; skipped: number }> {
    const current = this.cipher.currentKekVersion;
    let rewrapped = 0;
    let skipped = 0;
    const docs = await this.models.telemetryExporters
      .find({ encrypted: { $exists: true }, 'encrypted.kekVersion': { $ne: current } })
      .lean<TelemetryExporterDoc[]>();
    for (const doc of docs) {
      const next = this.cipher.rewrap(cipherId(doc._id), doc.encrypted!);
      const res = await this.locks.run(`exporter:${doc._id}`, () =>
        this.models.telemetryExporters.updateOne(
          { _id: doc._id, 'encrypted.kekVersion': doc.encrypted!.kekVersion, 'encrypted.wrappedKey.data': doc.encrypted!.wrappedKey.data },
          { $set: { encrypted: next } },
        ),
      );
      if (res.modifiedCount === 1) rewrapped++;
      else skipped++;
    }
    return { rewrapped, skipped };
  }

  private async find(name: string): Promise<TelemetryExporterDoc> {
    const doc = await this.models.telemetryExporters.findOne({ name }).lean<TelemetryExporterDoc>();
    if (!doc) throw notFound('exporter', name);
    return doc;
  }
}

function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidField('url', 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidField('url', 'must be http or https (OTLP/HTTP; gRPC is not supported)');
  if (url.username || url.password) throw invalidField('url', 'must not carry credentials: put them in secretHeaders (e.g. authorization)');
  if (url.hash) throw invalidField('url', 'must not have a fragment');
  return url.toString();
}

/** Plain headers, lower-cased; credential-like names and names also given as secret are refused. */
function checkHeaders(headers: Record<string, string>, secret: Record<string, string>): Record<string, string> {
  const secretNames = new Set(Object.keys(secret).map((n) => n.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (CREDENTIAL_NAME.test(lower)) {
      throw invalidField(`headers.${name}`, 'looks like a credential: send it in secretHeaders, which are encrypted at rest and never returned');
    }
    if (secretNames.has(lower)) throw invalidField(`headers.${name}`, 'is also a secret header; give it once');
    if (lower === 'content-type' || lower === 'content-length' || lower === 'host') throw invalidField(`headers.${name}`, 'is set by the exporter');
    out[lower] = value;
  }
  return out;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function summaryOf(d: TelemetryExporterDoc): string {
  const host = new URL(d.url).host;
  return `${d.protocol} to ${host}, sampling ${d.samplingRatio}, content ${d.content ? 'on' : 'off'}, secret headers [${d.secretHeaderNames.join(', ')}]`;
}
