// HTTP client of the control plane's conversation state store
// (PUT/GET /api/v1/dataplane/state/{key}, role dataplane).
import { Agent, request } from 'undici';

export interface StateClientOptions {
  controlPlaneUrl: string;
  token: string;
  timeoutMs: number;
}

export class StateClient {
  private readonly base: string;
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 16, pipelining: 1 });

  constructor(private readonly options: StateClientOptions) {
    this.base = options.controlPlaneUrl.replace(/\/$/, '');
  }

  async put(key: string, value: unknown, ttlSeconds: number, endpoint?: string): Promise<void> {
    const res = await this.call('PUT', key, JSON.stringify({ value, ttlSeconds, ...(endpoint ? { endpoint } : {}) }));
    if (res.status !== 200) throw new Error(`state put answered ${res.status}: ${res.text.slice(0, 200)}`);
  }

  /** The value, or undefined when the control plane has none (never kept, or expired). */
  async get(key: string): Promise<unknown> {
    const res = await this.call('GET', key);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`state get answered ${res.status}: ${res.text.slice(0, 200)}`);
    return (JSON.parse(res.text) as { value: unknown }).value;
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async call(method: 'PUT' | 'GET', key: string, body?: string): Promise<{ status: number; text: string }> {
    const res = await request(`${this.base}/api/v1/dataplane/state/${encodeURIComponent(key)}`, {
      method,
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${this.options.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body,
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    return { status: res.statusCode, text: await res.body.text() };
  }
}
