// MessagePack RPC client for the plugin server's unix socket, shaped like Kong's
// `Rpc:call` (kong/runloop/plugin_servers/rpc/mp_rpc.lua): request
// [0, msgid, method, [args]], response [1, msgid, err, result], one request at a
// time per connection, connections returned to a keep-alive pool afterwards.
// The JS listener decodes one value per `data` chunk, so we write each message
// in a single write and never pipeline.
import net from 'node:net';
import { Decoder, Encoder } from '@msgpack/msgpack';

export class RpcError extends Error {}

const encoder = new Encoder();

class Connection {
  private chunks: Buffer[] = [];
  private pending?: { resolve: (v: unknown) => void; reject: (e: Error) => void; msgId: number };
  closed = false;

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new RpcError('closed')));
  }

  static open(path: string): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(path);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new Connection(socket));
      });
      socket.once('error', reject);
    });
  }

  call(msgId: number, method: string, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, msgId };
      this.socket.write(encoder.encode([0, msgId, method, args]));
    });
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    let message: unknown;
    try {
      message = new Decoder().decode(data);
    } catch (err) {
      if (err instanceof RangeError) return; // partial message: wait for more bytes
      return this.fail(err as Error);
    }
    this.chunks = [];
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    const [type, msgId, error, result] = message as [number, number, unknown, unknown];
    // Kong asserts both of these; a mismatch means the protocol broke.
    if (type !== 1 || msgId !== pending.msgId) {
      return pending.reject(new RpcError(`unexpected RPC response ${JSON.stringify([type, msgId])}`));
    }
    if (error !== null && error !== undefined) pending.reject(new RpcError(typeof error === 'string' ? error : JSON.stringify(error)));
    else pending.resolve(result);
  }

  private fail(err: Error): void {
    this.closed = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(err instanceof RpcError ? err : new RpcError(err.message));
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** A keep-alive pool like an nginx cosocket pool: reuse idle, open when none is idle. */
export class RpcPool {
  private idle: Connection[] = [];
  private all = new Set<Connection>();
  private msgId = 0;
  /** Time spent waiting for the plugin server, for overhead accounting. */
  waitNs = 0n;

  constructor(
    private readonly socketPath: string,
    private readonly maxIdle = 8,
  ) {}

  async call(method: string, ...args: unknown[]): Promise<unknown> {
    let conn = this.idle.pop();
    while (conn && conn.closed) conn = this.idle.pop();
    if (!conn) {
      conn = await Connection.open(this.socketPath).catch((err: unknown) => {
        throw new RpcError(`trying to connect: ${err instanceof Error ? err.message : String(err)}`);
      });
      this.all.add(conn);
      conn.socket.on('close', () => this.all.delete(conn!));
    }
    const started = process.hrtime.bigint();
    try {
      const result = await conn.call(++this.msgId, method, args);
      return result;
    } finally {
      this.waitNs += process.hrtime.bigint() - started;
      if (!conn.closed) {
        if (this.idle.length < this.maxIdle) this.idle.push(conn);
        else conn.destroy();
      }
    }
  }

  closeAll(): void {
    for (const c of this.all) c.destroy();
    this.all.clear();
    this.idle = [];
  }
}
