// Entry of the data-plane worker thread (see ../data-plane.ts). The main
// thread sends `stop` with a grace period (Kong stopping the plugin server,
// the parent gone, a configuration no longer used, tests): the worker drains
// its requests and streams, flushes or spools its traces, answers `stopped`.
import { parentPort, workerData } from 'node:worker_threads';
import { startRuntime, stopRuntime } from '../data-plane';
import { log } from '../log';
import type { PluginConfig } from '../schema';

export interface WorkerInput {
  config: PluginConfig;
  id: string;
  ticketKey: Uint8Array;
  /** The signer's count of issued tickets (shared memory). */
  ticketsIssued: BigInt64Array;
}

export type WorkerMessage = { type: 'ready'; port: number } | { type: 'failed'; error: string } | { type: 'stopped' };
export type WorkerCommand = { type: 'stop'; graceMs: number };

const input = workerData as WorkerInput;
const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);

startRuntime(input.config, input.id, Buffer.from(input.ticketKey), input.ticketsIssued).then(
  (runtime) => {
    send({ type: 'ready', port: runtime.server.port });
    let stopping: Promise<void> | undefined;
    port.on('message', (m: WorkerCommand) => {
      if (m.type !== 'stop') return;
      stopping ??= stopRuntime(runtime, m.graceMs)
        .catch((err: Error) => log.error('data plane: stop failed', { error: err.message }))
        .finally(() => send({ type: 'stopped' }));
    });
  },
  (err: Error) => send({ type: 'failed', error: err.message }),
);
