// Kong opens a new connection to the plugin server's socket for a request's
// PDK calls whenever its pooled ones are busy; a burst of new requests larger
// than the socket's accept queue fails at once in nginx's non-blocking
// connect() (EAGAIN) and the request is proxied with no target (a 503). The
// plugin server raises that queue from Node's default 511
// (plugin/server/socket-backlog.ts); `ss` reads the queue the kernel holds.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { PLUGIN_SERVER_BACKLOG } from '../../plugin/server/socket-backlog';
import { startStack, type Stack } from './stack';

let stack: Stack;

before(async () => {
  // No control plane needed: only the plugin server's socket is looked at.
  stack = await startStack({ plugin: { control_plane_url: 'http://127.0.0.1:9', control_plane_timeout_ms: 200 } });
});

after(async () => {
  await stack?.close();
});

test('the plugin server accepts a burst of Kong connections larger than Node’s default queue of 511', () => {
  const pid = stack.driver.pluginServerPid();
  assert.ok(pid, 'a plugin server runs');
  // ss -xlp: listening unix sockets with their owner; the fourth column is the accept queue's size.
  const line = execFileSync('ss', ['-xlpH'], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.includes(`pid=${pid},`));
  assert.ok(line, `the plugin server (pid ${pid}) listens on a unix socket`);
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  assert.equal(Number(line.trim().split(/\s+/)[3]), Math.min(PLUGIN_SERVER_BACKLOG, somaxconn));
});
