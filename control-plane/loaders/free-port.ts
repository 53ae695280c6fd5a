// A port for a process started next to bind. Port 0's answer comes from the
// kernel's ephemeral range, the same range it draws the local port of every
// outgoing connection from: between the probe and the child's bind, a
// connection (a database pool, a test client) can take it and hold it, and
// the child fails with EADDRINUSE (a CI run lost nginx's start to one). So
// the port is drawn below that range, where only listeners that asked for
// that number live, and probed.
import fs from 'node:fs';
import net from 'node:net';

const DRAWS = 64;
const FALLBACK_EPHEMERAL_LOW = 32768;

function ephemeralLow(): number {
  try {
    const low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 ? low : FALLBACK_EPHEMERAL_LOW;
  } catch {
    return FALLBACK_EPHEMERAL_LOW;
  }
}

function listenOnce(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen({ port, host, exclusive: true }, () => {
      const bound = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(bound));
    });
  });
}

/** A port on host that was free a moment ago and is not one the kernel hands out by itself. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const high = ephemeralLow();
  const low = Math.max(1025, high - 16384);
  for (let i = 0; i < DRAWS; i++) {
    const port = await listenOnce(low + Math.floor(Math.random() * (high - low)), host);
    if (port !== undefined) return port;
  }
  // Every draw taken (a crowded host): the kernel's choice, with the race above.
  const port = await listenOnce(0, host);
  if (port === undefined) throw new Error(`no free port on ${host}`);
  return port;
}
