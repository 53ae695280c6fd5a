// Entry of the data-plane worker thread (see ../data-plane.ts). The main
// thread sends `stop` (reconfiguration, tests: stop everything) or `shutdown`
// (SIGTERM: give budget slices back at once; the trace spool is on disk).
import { parentPort, workerData } from 'node:worker_threads';
import { startRuntime, stopRuntime } from '../data-plane';
import { log } from '../log';
import type { PluginConfig } from '../schema';

export interface WorkerInput {
  config: PluginConfig;
  id: string;
  ticketKey: Uint8Array;
}

export type WorkerMessage = { type: 'ready'; port: number } | { type: 'failed'; error: string } | { type: 'stopped' };

const input = workerData as WorkerInput;
const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);

startRuntime(input.config, input.id, Buffer.from(input.ticketKey)).then(
  (runtime) => {
    send({ type: 'ready', port: runtime.server.port });
    port.on('message', (m: { type: 'stop' | 'shutdown' }) => {
      const done = m.type === 'stop' ? stopRuntime(runtime) : runtime.budget.stop(1_500);
      void done.catch((err: Error) => log.error('data plane: stop failed', { error: err.message })).finally(() => send({ type: 'stopped' }));
    });
  },
  (err: Error) => send({ type: 'failed', error: err.message }),
);
