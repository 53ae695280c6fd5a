// HTTP client of the control plane's conversation state store
// (PUT/GET/DELETE /api/v1/dataplane/state/{key}, role dataplane).
import { Agent, request } from '../upstream/undici-parts';
import type { ConversationRecord } from './conversation-store';

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

  async put(key: string, record: ConversationRecord): Promise<void> {
    const body = { value: record.value, endpoint: record.endpoint, user: record.user, expiresAt: new Date(record.expiresAt).toISOString() };
    const res = await this.call('PUT', key, JSON.stringify(body));
    if (res.status !== 200) throw new Error(`state put answered ${res.status}: ${res.text.slice(0, 200)}`);
  }

  /** The record, or undefined when the control plane has none (never kept, deleted or expired). */
  async get(key: string): Promise<ConversationRecord | undefined> {
    const res = await this.call('GET', key);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`state get answered ${res.status}: ${res.text.slice(0, 200)}`);
    const r = JSON.parse(res.text) as { value: unknown; endpoint: string; user: string; expiresAt: string };
    return { value: r.value, endpoint: r.endpoint, user: r.user, expiresAt: Date.parse(r.expiresAt) };
  }

  async delete(key: string): Promise<boolean> {
    const res = await this.call('DELETE', key);
    if (res.status !== 204 && res.status !== 404) throw new Error(`state delete answered ${res.status}: ${res.text.slice(0, 200)}`);
    return res.status === 204;
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async call(method: 'PUT' | 'GET' | 'DELETE', key: string, body?: string): Promise<{ status: number; text: string }> {
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
