import { Schema, type Connection } from 'mongoose';
import type { EncryptedValue } from '../services/envelope-encryption';

export interface SecretDoc {
  _id: string;
  name: string;
  provider: string;
  description?: string;
  /** Names of the fields present (never their values), e.g. ["apiKey"]. */
  fields: string[];
  /** Masked tail of the main credential, e.g. "****abcd". */
  hint: string;
  /** Hosts besides the provider's own its credentials may be sent to (metadata, not encrypted). */
  allowedHosts?: string[];
  encrypted: EncryptedValue;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  valueRotatedAt: Date;
}

const box = { iv: String, tag: String, data: String };

const secretSchema = new Schema<SecretDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true, unique: true },
    provider: { type: String, required: true },
    description: String,
    fields: [String],
    hint: String,
    allowedHosts: { type: [String], default: undefined },
    encrypted: {
      kekVersion: { type: Number, required: true, index: true },
      wrappedKey: box,
      ciphertext: box,
    },
    createdBy: String,
    createdAt: Date,
    updatedAt: Date,
    valueRotatedAt: Date,
  },
  { collection: 'secrets', versionKey: false, _id: false },
);

export const secretModel = (conn: Connection) => conn.model<SecretDoc>('Secret', secretSchema);
