import crypto from 'node:crypto';
import { ApiError, conflict, invalidField, notFound } from '../errors';
import type { Models } from '../models';
import { KeyedMutex } from './keyed-mutex';
import type { EndpointDoc } from '../models/endpoint.model';
import type { Actor } from './actor';
import { diffEndpoint } from './audit-diff';
import type { AuditService } from './audit.service';
import type { ConfigVersionService } from './config-version.service';
import { normalizeEndpoint, type EndpointInput, type SecretRef } from './endpoint-rules';
import { isDuplicateKeyError } from './mongo-errors';
import { STRICT, type OutboundPolicy } from '../../plugin/upstream/outbound-policy';

export function endpointToApi(d: EndpointDoc) {
  return {
    id: d._id,
    name: d.name,
    kind: d.kind,
    destinations: d.destinations,
    ...(d.stickiness ? { stickiness: d.stickiness } : {}),
    fallback: d.fallback,
    ...(d.rateLimits ? { rateLimits: d.rateLimits } : {}),
    ...(d.runs ? { runs: d.runs } : {}),
    ...(d.loopBreaker ? { loopBreaker: d.loopBreaker } : {}),
    ...(d.shadow ? { shadow: d.shadow } : {}),
    enabled: d.enabled,
    logPayloads: d.logPayloads,
    version: d.version,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

/** The stored endpoint in input form, the base a PATCH is merged onto. */
function toInput(d: EndpointDoc): EndpointInput {
  const { id: _id, version: _v, createdAt: _c, updatedAt: _u, ...input } = endpointToApi(d);
  return input as EndpointInput;
}

export class EndpointsService {
  /** Compare-and-set writes one at a time per document: FerretDB checks the version and writes in separate steps, so two racing updates could both apply (keyed-mutex.ts). */
  private readonly writes = new KeyedMutex();
  constructor(
    private readonly models: Models,
    private readonly versions: ConfigVersionService,
    private readonly audit: AuditService,
    private readonly outbound: OutboundPolicy = STRICT,
  ) {}

  async list() {
    const docs = await this.models.endpoints.find().sort({ name: 1 }).lean<EndpointDoc[]>();
    return docs.map(endpointToApi);
  }

  async get(name: string) {
    return endpointToApi(await this.find(name));
  }

  async create(actor: Actor, input: EndpointInput & { name: string }) {
    const normalized = await normalizeEndpoint(input, this.resolveSecret, this.outbound);
    const now = new Date();
    const doc: EndpointDoc = { _id: crypto.randomUUID(), name: input.name, ...normalized, version: 1, createdAt: now, updatedAt: now };
    try {
      await this.models.endpoints.create(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw conflict('endpoint_name_taken', `name: an endpoint named '${input.name}' already exists`);
      throw err;
    }
    await this.versions.bump();
    await this.audit.record(actor, 'endpoint.create', { type: 'endpoint', id: doc._id, name: doc.name }, 'version 1', diffEndpoint(undefined, doc));
    return endpointToApi(doc);
  }

  async replace(actor: Actor, name: string, input: EndpointInput) {
    return this.update(actor, name, 'endpoint.replace', () => input);
  }

  /** Top-level fields in the patch replace the stored ones (arrays and objects whole). */
  async patch(actor: Actor, name: string, patch: Partial<EndpointInput>) {
    return this.update(actor, name, 'endpoint.patch', (current) => ({ ...toInput(current), ...patch }));
  }

  async delete(actor: Actor, name: string) {
    const current = await this.find(name);
    await this.models.endpoints.deleteOne({ _id: current._id });
    await this.versions.bump();
    await this.audit.record(actor, 'endpoint.delete', { type: 'endpoint', id: current._id, name }, undefined, diffEndpoint(current, undefined));
  }

  private async update(actor: Actor, name: string, action: string, build: (current: EndpointDoc) => EndpointInput) {
    const current = await this.find(name);
    const input = build(current);
    if (input.name !== undefined && input.name !== name) {
      throw invalidField('name', `cannot be changed (is '${name}'); create a new endpoint instead`);
    }
    const normalized = await normalizeEndpoint(input, this.resolveSecret, this.outbound);
    // Optimistic concurrency: the update applies only to the version we read.
    const updated = await this.writes.run(current._id, () =>
      this.models.endpoints
        .findOneAndUpdate(
          { _id: current._id, version: current.version },
          withUnset({ ...normalized, version: current.version + 1, updatedAt: new Date() }, ['stickiness', 'rateLimits', 'runs', 'loopBreaker', 'shadow']),
          { new: true },
        )
        .lean<EndpointDoc>(),
    );
    if (!updated) throw new ApiError(409, 'concurrent_modification', `endpoint '${name}' was changed by someone else; retry`);
    await this.versions.bump();
    await this.audit.record(actor, action, { type: 'endpoint', id: updated._id, name }, `version ${updated.version}`, diffEndpoint(current, updated));
    return endpointToApi(updated);
  }

  private async find(name: string): Promise<EndpointDoc> {
    const doc = await this.models.endpoints.findOne({ name }).lean<EndpointDoc>();
    if (!doc) throw notFound('endpoint', name);
    return doc;
  }

  private readonly resolveSecret = async (ref: string): Promise<SecretRef | null> => {
    const s = await this.models.secrets.findOne({ $or: [{ _id: ref }, { name: ref }] }, { provider: 1, fields: 1, allowedHosts: 1 }).lean();
    return s ? { id: s._id, provider: s.provider, fields: s.fields, ...(s.allowedHosts?.length ? { allowedHosts: s.allowedHosts } : {}) } : null;
  };
}

/** $set plus $unset of the optional fields a PUT/PATCH removed (an empty $unset is an error). */
export function withUnset(set: object, optional: string[]) {
  const unset = Object.fromEntries(optional.filter((k) => !(k in set)).map((k) => [k, '']));
  return Object.keys(unset).length ? { $set: set, $unset: unset } : { $set: set };
}
