// freePort hands a port to a child that binds it later. A CI run lost nginx's
// start to EADDRINUSE: the port came from the kernel's ephemeral range, and an
// outgoing connection made meanwhile held it as its local port. These tests
// make that happen: connections are opened, and kept open, between the probe
// and the bind.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { freePort } from '../../control-plane/loaders/free-port';

const [ephemeralLow = 0, ephemeralHigh = 0] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);

let target: net.Server;
const held: net.Socket[] = [];
before(async () => {
  target = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
});
after(async () => {
  for (const s of held) s.destroy();
  await new Promise((r) => target.close(r));
});

function connectionsFrom(count: number): Promise<number[]> {
  const { port } = target.address() as net.AddressInfo;
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<number>((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1', () => resolve(s.localPort!));
          s.once('error', reject);
          held.push(s);
        }),
    ),
  );
}

function bind(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve()));
  });
}

test('never a port the kernel gives outgoing connections', async () => {
  for (let i = 0; i < 200; i++) {
    const port = await freePort();
    assert.ok(port > 1024 && port < ephemeralLow, `${port} lies below the ephemeral range ${ephemeralLow}-${ephemeralHigh}`);
  }
});

test('still bindable after many connections opened and held between probe and bind', async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  const localPorts = new Set(await connectionsFrom(2000));
  for (const port of ports) {
    assert.ok(!localPorts.has(port), `no connection took ${port}`);
    await bind(port);
  }
});
