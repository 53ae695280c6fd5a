// Minimal typing for the parts of autocannon (no bundled types) the benchmark uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    amount?: number;
    overallRate?: number;
    timeout?: number;
  }
  function autocannon(opts: Options, cb: (err: Error | null, result: unknown) => void): EventEmitter & { stop(): void };
  export = autocannon;
}
