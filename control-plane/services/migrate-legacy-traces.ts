// Traces stored before day partitions (one `traces` collection, one field
// per trace property) are re-ingested once, in the background, through the
// normal ingest path (so they get rollups and list pages; idempotent by id,
// so an interrupted migration simply resumes), then the old collection is
// dropped.
import type { Trace } from '../../plugin/contract';
import type { Logger } from '../logger';
import type { Models } from '../models';
import type { TracesService } from './traces.service';

export async function migrateLegacyTraces(models: Models, traces: TracesService, log: Logger): Promise<number> {
  const legacy = models.traceStore.legacy();
  const exists = (await legacy.db.listCollections({ name: 'traces' }, { nameOnly: true }).toArray()).length > 0;
  if (!exists) return 0;
  let moved = 0;
  let batch: Trace[] = [];
  const flush = async () => {
    if (batch.length) moved += (await traces.ingest(batch)).accepted;
    batch = [];
  };
  for await (const doc of legacy.find({})) {
    const { _id, time, ...rest } = doc as unknown as { _id: string; time: Date } & Omit<Trace, 'id' | 'time'>;
    batch.push({ ...rest, id: _id, time: new Date(time).toISOString() });
    if (batch.length === 1000) await flush();
  }
  await flush();
  await legacy.drop();
  log.info({ moved }, 'traces moved from the old single collection into day partitions');
  return moved;
}
