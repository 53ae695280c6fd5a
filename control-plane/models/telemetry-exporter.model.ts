import { Schema, type Connection } from 'mongoose';
import type { EncryptedValue } from '../services/envelope-encryption';

export interface TelemetryExporterDoc {
  _id: string;
  name: string;
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  /** Headers that are not secret, returned by the API. */
  headers: Record<string, string>;
  /** Names of the secret headers; their values only in `encrypted` (envelope encryption, like provider secrets). */
  secretHeaderNames: string[];
  encrypted?: EncryptedValue;
  samplingRatio: number;
  content: boolean;
  enabled: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const box = { iv: String, tag: String, data: String };

const telemetryExporterSchema = new Schema<TelemetryExporterDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true, unique: true },
    url: { type: String, required: true },
    protocol: { type: String, required: true },
    headers: { type: Schema.Types.Mixed, default: {} },
    secretHeaderNames: [String],
    encrypted: { type: { kekVersion: { type: Number, index: true }, wrappedKey: box, ciphertext: box }, required: false },
    samplingRatio: { type: Number, required: true },
    content: { type: Boolean, default: false },
    enabled: { type: Boolean, default: true },
    version: { type: Number, required: true },
    createdAt: Date,
    updatedAt: Date,
  },
  { collection: 'telemetry_exporters', versionKey: false, _id: false, minimize: false },
);

export const telemetryExporterModel = (conn: Connection) => conn.model<TelemetryExporterDoc>('TelemetryExporter', telemetryExporterSchema);
