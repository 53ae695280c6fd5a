// The HTTP client's cold start, paid in a spare data-plane worker instead of
// by the first request: undici compiles its HTTP parser (WebAssembly) on the
// first connection and its request path runs unoptimized the first times.
// Measured: a process's first undici request to a loopback server took 30-67
// ms, 6-9 ms after this warm-up (which itself takes ~100 ms in the spare);
// the first configuration poll and the first provider call both pay it. A few requests to a throwaway loopback server, with a
// JSON body out and a streamed body back, as the config poll and provider
// calls make them. The providers' own connections cannot be opened yet: the
// configuration (which providers) arrives with the first request.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from '../upstream/undici-parts';

const ROUNDS = 20;

export async function warmHttp(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"ok":true}\n\n');
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = new Agent({ keepAliveTimeout: 1_000, pipelining: 1 });
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
    for (let i = 0; i < ROUNDS; i++) {
      const res = await request(url, {
        method: i % 2 ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json', authorization: 'Bearer warm' },
        body: i % 2 ? JSON.stringify({ model: 'warm', messages: [{ role: 'user', content: 'warm' }] }) : undefined,
        dispatcher: i % 4 === 1 ? agent : undefined,
      });
      // Read to the end so the connection goes back to the pool.
      for await (const _chunk of res.body);
    }
  } finally {
    await agent.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
