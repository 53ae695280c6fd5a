import crypto from 'node:crypto';
import type { ProviderId } from '../../plugin/contract';
import { conflict, notFound } from '../errors';
import type { Models } from '../models';
import type { SecretDoc } from '../models/secret.model';
import type { Actor } from './actor';
import type { AuditService } from './audit.service';
import type { ConfigVersionService } from './config-version.service';
import type { DocumentLocks } from './document-locks';
import type { EnvelopeCipher } from './envelope-encryption';
import { isDuplicateKeyError } from './mongo-errors';
import { STRICT, type OutboundPolicy } from '../../plugin/upstream/outbound-policy';
import { diffSecret } from './audit-diff';
import { secretMayGoTo } from './endpoint-rules';
import { checkCredentialFields, maskedHint } from './provider-credentials';

/** Lower case, no trailing dot, each once, sorted. */
function normalizeHosts(hosts: string[]): string[] {
  return [...new Set(hosts.map((h) => h.trim().toLowerCase().replace(/\.$/, '')))].sort();
}

export interface SecretInput {
  name: string;
  provider: ProviderId;
  description?: string;
  allowedHosts?: string[];
  value: Record<string, string>;
}

/** What PATCH may change: metadata only (the value has its own operation). */
export interface SecretMetadataPatch {
  description?: string;
  allowedHosts?: string[];
}

/** Metadata only: the API never returns secret values. */
export function secretToApi(d: SecretDoc) {
  return {
    id: d._id,
    name: d.name,
    provider: d.provider,
    ...(d.description ? { description: d.description } : {}),
    fields: d.fields,
    hint: d.hint,
    allowedHosts: d.allowedHosts ?? [],
    kekVersion: d.encrypted.kekVersion,
    createdBy: d.createdBy,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    valueRotatedAt: d.valueRotatedAt.toISOString(),
  };
}

export class SecretsService {
  constructor(
    private readonly models: Models,
    private readonly cipher: EnvelopeCipher,
    private readonly versions: ConfigVersionService,
    private readonly audit: AuditService,
    private readonly locks: DocumentLocks,
    private readonly outbound: OutboundPolicy = STRICT,
  ) {}

  /** Runs `work` on the secret, read again once its lock is held (document-locks.ts: rotate-kek rewrites secrets from another process). */
  private async locked<T>(idOrName: string, work: (current: SecretDoc) => Promise<T>): Promise<T> {
    const { _id } = await this.find(idOrName);
    return this.locks.run(`secret:${_id}`, async () => work(await this.find(_id)));
  }

  async list() {
    const docs = await this.models.secrets.find().sort({ name: 1 }).lean<SecretDoc[]>();
    return docs.map(secretToApi);
  }

  async get(idOrName: string) {
    return secretToApi(await this.find(idOrName));
  }

  /** Looks a secret up by id or by name (endpoints may reference either). */
  async find(idOrName: string): Promise<SecretDoc> {
    const doc = await this.models.secrets.findOne({ $or: [{ _id: idOrName }, { name: idOrName }] }).lean<SecretDoc>();
    if (!doc) throw notFound('secret', idOrName);
    return doc;
  }

  async create(actor: Actor, input: SecretInput) {
    checkCredentialFields(input.provider, input.value);
    const id = crypto.randomUUID();
    const now = new Date();
    const doc: SecretDoc = {
      _id: id,
      name: input.name,
      provider: input.provider,
      description: input.description,
      fields: Object.keys(input.value).sort(),
      hint: maskedHint(input.value),
      ...(input.allowedHosts?.length ? { allowedHosts: normalizeHosts(input.allowedHosts) } : {}),
      encrypted: this.cipher.encrypt(id, input.value),
      createdBy: actor.sub,
      createdAt: now,
      updatedAt: now,
      valueRotatedAt: now,
    };
    try {
      await this.models.secrets.create(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict('secret_name_taken', `name: a secret named '${input.name}' already exists`);
      throw err;
    }
    await this.audit.record(actor, 'secret.create', { type: 'secret', id, name: input.name }, `provider ${input.provider}`, diffSecret(undefined, doc));
    return secretToApi(doc);
  }

  /**
   * Changes description or allowedHosts. Narrowing allowedHosts is refused
   * while an endpoint sends this secret to a host it would no longer allow.
   */
  async updateMetadata(actor: Actor, idOrName: string, patch: SecretMetadataPatch) {
    const [current, updated] = await this.locked(idOrName, async (current) => {
      const allowedHosts = patch.allowedHosts === undefined ? current.allowedHosts : normalizeHosts(patch.allowedHosts);
      if (patch.allowedHosts !== undefined) await this.checkUsers(current, allowedHosts ?? []);
      const set: Record<string, unknown> = { updatedAt: new Date() };
      const unset: Record<string, ''> = {};
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.allowedHosts !== undefined) {
        if (allowedHosts?.length) set.allowedHosts = allowedHosts;
        else unset.allowedHosts = '';
      }
      const after = await this.models.secrets
        .findOneAndUpdate({ _id: current._id }, Object.keys(unset).length ? { $set: set, $unset: unset } : { $set: set }, { new: true })
        .lean<SecretDoc>();
      return [current, after] as const;
    });
    if (!updated) throw notFound('secret', idOrName);
    // Data planes enforce allowedHosts too: they need the new list.
    if (patch.allowedHosts !== undefined) await this.versions.bump();
    await this.audit.record(actor, 'secret.update', { type: 'secret', id: current._id, name: current.name }, undefined, diffSecret(current, updated));
    return secretToApi(updated);
  }

  private async checkUsers(secret: SecretDoc, allowedHosts: string[]): Promise<void> {
    const users = await this.models.endpoints.find({ 'destinations.secret': secret._id }, { name: 1, destinations: 1 }).lean();
    const stranded: Array<{ endpoint: string; message: string }> = [];
    for (const e of users) {
      for (const d of e.destinations) {
        const baseUrl = d.secret === secret._id ? (d.options as { baseUrl?: unknown } | undefined)?.baseUrl : undefined;
        if (typeof baseUrl !== 'string') continue;
        const host = new URL(baseUrl).hostname;
        if (!secretMayGoTo(d.provider as ProviderId, { allowedHosts }, host, this.outbound)) {
          stranded.push({ endpoint: e.name, message: `destination '${d.id}' sends this secret to ${host}` });
        }
      }
    }
    if (stranded.length) {
      throw conflict(
        'secret_in_use',
        `allowedHosts: endpoint(s) ${[...new Set(stranded.map((s) => `'${s.endpoint}'`))].join(', ')} send this secret to a host the new list leaves out; change them first`,
        stranded,
      );
    }
  }

  /** Replaces the value with a fresh data key; data planes pick it up with the next snapshot. */
  async rotateValue(actor: Actor, idOrName: string, value: Record<string, string>) {
    const [current, updated] = await this.locked(idOrName, async (current) => {
      checkCredentialFields(current.provider as ProviderId, value);
      const now = new Date();
      const after = await this.models.secrets
        .findOneAndUpdate(
          { _id: current._id },
          {
            $set: {
              encrypted: this.cipher.encrypt(current._id, value),
              fields: Object.keys(value).sort(),
              hint: maskedHint(value),
              updatedAt: now,
              valueRotatedAt: now,
            },
          },
          { new: true },
        )
        .lean<SecretDoc>();
      return [current, after] as const;
    });
    if (!updated) throw notFound('secret', idOrName);
    await this.versions.bump();
    await this.audit.record(actor, 'secret.rotate_value', { type: 'secret', id: current._id, name: current.name }, undefined, diffSecret(current, updated));
    return secretToApi(updated);
  }

  async delete(actor: Actor, idOrName: string) {
    const current = await this.find(idOrName);
    const users = await this.models.endpoints
      .find({ $or: [{ 'destinations.secret': current._id }, { 'shadow.destination.secret': current._id }] }, { name: 1 })
      .lean();
    if (users.length) {
      const names = users.map((u) => u.name).sort();
      throw conflict(
        'secret_in_use',
        `secret '${current.name}' is used by endpoint(s) ${names.map((n) => `'${n}'`).join(', ')}; change or delete them first`,
        names.map((n) => ({ endpoint: n, message: 'uses this secret' })),
      );
    }
    await this.models.secrets.deleteOne({ _id: current._id });
    await this.versions.bump();
    await this.audit.record(actor, 'secret.delete', { type: 'secret', id: current._id, name: current.name }, undefined, diffSecret(current, undefined));
  }

  /** Decrypted credentials by secret id (with the hosts they may go to), for the data-plane snapshot only. */
  async decryptMany(ids: string[]): Promise<Map<string, { credentials: Record<string, string>; allowedHosts?: string[] }>> {
    const docs = await this.models.secrets.find({ _id: { $in: ids } }).lean<SecretDoc[]>();
    return new Map(
      docs.map((d) => [d._id, { credentials: this.cipher.decrypt(d._id, d.encrypted), ...(d.allowedHosts?.length ? { allowedHosts: d.allowedHosts } : {}) }]),
    );
  }

  /**
   * Re-wraps every data key not yet under the current KEK. Each document is
   * updated under its lock, and only if its wrapped key is still the one we
   * read, so a value rotated concurrently (already under the current KEK) is
   * never overwritten.
   */
  async rewrapAll(): Promise<{ rewrapped: number; skipped: number }> {
    const current = this.cipher.currentKekVersion;
    let rewrapped = 0;
    let skipped = 0;
    const cursor = this.models.secrets
      .find({ 'encrypted.kekVersion': { $ne: current } })
      .lean<SecretDoc[]>()
      .cursor();
    for await (const doc of cursor as AsyncIterable<SecretDoc>) {
      const next = this.cipher.rewrap(doc._id, doc.encrypted);
      const res = await this.locks.run(`secret:${doc._id}`, () =>
        this.models.secrets.updateOne(
          { _id: doc._id, 'encrypted.kekVersion': doc.encrypted.kekVersion, 'encrypted.wrappedKey.data': doc.encrypted.wrappedKey.data },
          { $set: { encrypted: next } },
        ),
      );
      if (res.modifiedCount === 1) rewrapped++;
      else skipped++;
    }
    return { rewrapped, skipped };
  }
}
