// The configuration snapshot, held at module level for the whole plugin
// server. A long poll against the control plane brings every change within
// about a second; when the control plane is down the last snapshot keeps
// serving, and it is sealed to disk so a restarted plugin server has it too.
import { request } from '../upstream/undici-parts';
import type { ConfigSnapshot, Endpoint } from '../contract';
import { errorMessage, log } from '../log';
import { createRedactor, type Redactor } from '../security/redact-secrets';
import { readSealed, writeSealed } from './sealed-file';
import { normalizeDestinationOptions } from '../providers/shared/normalize-base-url';

export interface ConfigSource {
  controlPlaneUrl: string;
  token: string;
  timeoutMs: number;
  waitSeconds: number;
  cacheFile: string;
}

export interface IndexedSnapshot {
  snapshot: ConfigSnapshot;
  endpoints: Map<string, Endpoint>;
  /** Scrubs every credential of this snapshot (and the data-plane token) out of provider text. */
  redact: Redactor;
}

export class ConfigStore {
  private current: IndexedSnapshot | undefined;
  private firstLoad: Promise<void>;
  private resolveFirstLoad!: () => void;
  private stopped = false;
  private abort = new AbortController();
  private failures = 0;
  private readonly listeners = new Set<(s: IndexedSnapshot) => void>();

  constructor(private readonly source: ConfigSource) {
    this.firstLoad = new Promise((resolve) => (this.resolveFirstLoad = resolve));
  }

  /**
   * Asks the control plane at once (a new worker's first request waits for
   * this answer) and reads the sealed copy meanwhile: the copy serves only
   * until the control plane's answer is in, and never replaces it.
   */
  start(): void {
    void this.pollLoop();
    void this.loadCache();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  snapshot(): IndexedSnapshot | undefined {
    return this.current;
  }

  /** The snapshot, waiting up to `timeoutMs` for the first one after start-up. */
  async ready(timeoutMs: number): Promise<IndexedSnapshot | undefined> {
    if (this.current) return this.current;
    await Promise.race([this.firstLoad, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    return this.current;
  }

  /** `listener` hears of every snapshot installed from now on, and at once of the one already installed. */
  onChange(listener: (s: IndexedSnapshot) => void): void {
    this.listeners.add(listener);
    if (this.current) listener(this.current);
  }

  private install(snapshot: ConfigSnapshot): void {
    this.current = indexSnapshot(snapshot, this.source.token);
    this.resolveFirstLoad();
    for (const listener of this.listeners) listener(this.current);
  }

  private async loadCache(): Promise<void> {
    const cached = await readSealed<ConfigSnapshot>(this.source.cacheFile, this.source.token);
    if (cached && !this.current) {
      log.info('config: serving the cached snapshot until the control plane answers', { version: cached.version });
      this.install(cached);
    }
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.pollOnce();
        this.failures = 0;
      } catch (err) {
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have run while pollOnce was awaited
        if (this.stopped) return;
        this.failures++;
        const delay = Math.min(10_000, 250 * 2 ** Math.min(this.failures, 6));
        if (this.failures === 1 || this.failures % 10 === 0) {
          log.warn('config: control plane unreachable, keeping the last snapshot', {
            error: (err as Error).message,
            version: this.current?.snapshot.version ?? null,
          });
        }
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  }

  private async pollOnce(): Promise<void> {
    const version = this.current?.snapshot.version;
    const wait = version === undefined ? 0 : this.source.waitSeconds;
    const url = `${this.source.controlPlaneUrl.replace(/\/$/, '')}/api/v1/dataplane/snapshot${wait ? `?wait=${wait}` : ''}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.source.token}` };
    if (version !== undefined) headers['if-none-match'] = `"${version}"`;
    const res = await request(url, {
      headers,
      signal: this.abort.signal,
      headersTimeout: wait * 1000 + this.source.timeoutMs,
      bodyTimeout: this.source.timeoutMs,
    });
    if (res.statusCode === 304) {
      await res.body.dump();
      return;
    }
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      throw new Error(`snapshot request answered ${res.statusCode}: ${text.slice(0, 200)}`);
    }
    const snapshot = (await res.body.json()) as ConfigSnapshot;
    this.install(snapshot);
    await writeSealed(this.source.cacheFile, this.source.token, snapshot).catch((err: unknown) =>
      log.warn('config: could not persist the snapshot', { error: errorMessage(err) }),
    );
  }
}

export function indexSnapshot(snapshot: ConfigSnapshot, dataplaneToken?: string): IndexedSnapshot {
  const credentials = snapshot.endpoints.flatMap((e) =>
    [...e.destinations, ...(e.shadow ? [e.shadow.destination] : [])].flatMap((d) => Object.values(d.credentials as Record<string, string | undefined>)),
  );
  // Endpoints saved before the base-URL rule (or by a control plane without it) get it here, shadow destinations too.
  const normalized = <D extends Endpoint['destinations'][number]>(d: D): D => ({ ...d, options: normalizeDestinationOptions(d.provider, d.options) });
  const endpoints = snapshot.endpoints.map((e) => ({
    ...e,
    destinations: e.destinations.map(normalized),
    ...(e.shadow ? { shadow: { ...e.shadow, destination: normalized(e.shadow.destination) } } : {}),
  }));
  return {
    snapshot: { ...snapshot, endpoints },
    endpoints: new Map(endpoints.map((e) => [e.name, e])),
    redact: createRedactor([...credentials, dataplaneToken]),
  };
}
