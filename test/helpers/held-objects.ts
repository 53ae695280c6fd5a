// For tests of what an open stream keeps: whether objects were collected,
// and the OpenAI stream frames their providers send.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Whether every target was collected, after a few full collections. */
export async function collected(refs: Array<WeakRef<object>>): Promise<boolean> {
  // A WeakRef keeps its target alive until the end of the job that created or read it: collect in a job of its own.
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 5; i++) {
    await tick();
    gc();
    await tick();
    if (refs.every((r) => r.deref() === undefined)) return true;
  }
  return false;
}

/** One OpenAI Chat Completions stream event. */
export const chatChunkFrame = (delta: object, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
