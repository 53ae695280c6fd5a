import { Schema, type Connection } from 'mongoose';

/** One data plane's latest cumulative counts for one exporter (a report replaces them). */
export interface TelemetryCountDoc {
  _id: string;
  dataplaneId: string;
  exporter: string;
  name: string;
  exported: number;
  dropped: number;
  updatedAt: Date;
}

const telemetryCountSchema = new Schema<TelemetryCountDoc>(
  {
    _id: { type: String, required: true },
    dataplaneId: { type: String, required: true },
    exporter: { type: String, required: true },
    name: String,
    exported: { type: Number, required: true },
    dropped: { type: Number, required: true },
    updatedAt: Date,
  },
  { collection: 'telemetry_counts', versionKey: false, _id: false },
);

export const telemetryCountModel = (conn: Connection) => conn.model<TelemetryCountDoc>('TelemetryCount', telemetryCountSchema);
