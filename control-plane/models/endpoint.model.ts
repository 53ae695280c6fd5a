import { Schema, type Connection } from 'mongoose';
import type { PriceOverride } from '../../plugin/contract';

export interface DestinationDoc {
  id: string;
  provider: string;
  model: string;
  secret?: string;
  options: Record<string, unknown>;
  weight: number;
  timeoutMs: number;
  price?: PriceOverride;
}

/** Stored in the API's input shape; destination.secret (and shadow.destination.secret) holds the secret id. */
export interface EndpointDoc {
  _id: string;
  name: string;
  kind: 'chat' | 'embeddings';
  destinations: DestinationDoc[];
  stickiness?: { by: 'user' | 'header'; header?: string };
  fallback: { chain: string[]; maxAttempts: number; triggers: string[] };
  rateLimits?: { requestsPerMinute?: number; tokensPerMinute?: number; per?: 'endpoint' | 'user' | 'run' };
  runs?: { header?: string; traceparent: boolean };
  loopBreaker?: { maxRepeats?: number; repeatWindowSeconds: number; maxCalls?: number; callWindowSeconds: number };
  /** The shadow destination has weight 0: it never takes client traffic. */
  shadow?: { destination: DestinationDoc; percent: number; countBudgets: boolean; maxConcurrent: number };
  enabled: boolean;
  logPayloads: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

// Nested config is Mixed: its shape is enforced by openapi.yaml and the
// endpoints service, and storing it verbatim keeps PUT round-trips exact.
const endpointSchema = new Schema<EndpointDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true, unique: true },
    kind: { type: String, required: true },
    destinations: { type: Schema.Types.Mixed, default: [] },
    stickiness: Schema.Types.Mixed,
    fallback: Schema.Types.Mixed,
    rateLimits: Schema.Types.Mixed,
    runs: Schema.Types.Mixed,
    loopBreaker: Schema.Types.Mixed,
    shadow: Schema.Types.Mixed,
    enabled: { type: Boolean, default: true },
    logPayloads: { type: Boolean, default: false },
    version: { type: Number, required: true },
    createdAt: Date,
    updatedAt: Date,
  },
  { collection: 'endpoints', versionKey: false, _id: false, minimize: false },
);
// Finds the endpoints that use a secret (delete protection).
endpointSchema.index({ 'destinations.secret': 1 });
endpointSchema.index({ 'shadow.destination.secret': 1 });

export const endpointModel = (conn: Connection) => conn.model<EndpointDoc>('Endpoint', endpointSchema);
