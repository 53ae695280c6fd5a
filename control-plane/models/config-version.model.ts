import { Schema, type Connection } from 'mongoose';

/** A single counter document ({_id: "global"}) bumped with $inc on every snapshot-relevant write. */
export interface ConfigVersionDoc {
  _id: string;
  version: number;
}

const configVersionSchema = new Schema<ConfigVersionDoc>(
  { _id: { type: String, required: true }, version: { type: Number, default: 0 } },
  { collection: 'config_version', versionKey: false, _id: false },
);

export const configVersionModel = (conn: Connection) => conn.model<ConfigVersionDoc>('ConfigVersion', configVersionSchema);
