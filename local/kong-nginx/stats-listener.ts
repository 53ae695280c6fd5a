// Per-request stats from the Lua side: one UDP datagram when the access phase
// is done (the PDK calls so far, so a test reading them right after the
// response sees them) and one after the log phase (status and timings).
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { PdkCall, Phase, RequestStats } from '../kong-driver/request-context';

interface Datagram {
  kind: 'access' | 'done';
  requestId: string;
  method?: string;
  path?: string;
  phases?: Phase[];
  trace?: Array<{ phase: Phase; method: string; args?: unknown[] | Record<string, never>; result?: unknown }>;
  status?: number;
  totalMs?: number;
  upstreamMs?: number;
  pluginServerMs?: number;
}

export class StatsListener {
  readonly events = new EventEmitter();
  private socket = dgram.createSocket('udp4');
  private pending = new Map<string, RequestStats>();
  private last?: RequestStats;
  private unread: RequestStats[] = [];
  private waiters: Array<(s: RequestStats) => void> = [];
  port = 0;

  async listen(): Promise<void> {
    this.socket.on('message', (msg) => this.onMessage(msg));
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.port = this.socket.address().port;
    this.socket.unref();
  }

  private onMessage(msg: Buffer): void {
    let d: Datagram;
    try {
      d = JSON.parse(msg.toString('utf8')) as Datagram;
    } catch {
      return;
    }
    const s = this.pending.get(d.requestId) ?? this.blank(d);
    this.pending.set(d.requestId, s);
    s.trace = (Array.isArray(d.trace) ? d.trace : []).map((c) => ({
      phase: c.phase,
      method: c.method,
      args: Array.isArray(c.args) ? c.args : [],
      result: c.result,
    }));
    s.pdkCalls = {};
    for (const c of s.trace) s.pdkCalls[c.method] = (s.pdkCalls[c.method] ?? 0) + 1;
    s.phases = Array.isArray(d.phases) ? d.phases : [];
    s.pluginServerMs = d.pluginServerMs ?? s.pluginServerMs;
    this.last = s;
    if (d.kind !== 'done') return;
    this.pending.delete(d.requestId);
    s.status = d.status ?? 0;
    s.totalMs = d.totalMs ?? 0;
    s.upstreamMs = d.upstreamMs ?? 0;
    s.driverMs = Math.max(0, s.totalMs - s.pluginServerMs - s.upstreamMs);
    const w = this.waiters.shift();
    if (w) w(s);
    else if (this.unread.push(s) > 1000) this.unread.shift();
    this.events.emit('request', s);
  }

  private blank(d: Datagram): RequestStats {
    return {
      requestId: d.requestId,
      method: d.method ?? '',
      path: d.path ?? '',
      status: 0,
      pdkCalls: {},
      trace: [] as PdkCall[],
      phases: [],
      totalMs: 0,
      pluginServerMs: 0,
      upstreamMs: 0,
      driverMs: 0,
    };
  }

  lastRequestStats(): RequestStats | undefined {
    return this.last;
  }

  nextRequestStats(): Promise<RequestStats> {
    const s = this.unread.shift();
    if (s) return Promise.resolve(s);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.socket.close();
  }
}
