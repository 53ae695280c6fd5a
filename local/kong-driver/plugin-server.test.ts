// The plugin-server side: what Kong queries, what it registers, what
// StartInstance receives, and how it recovers from lost instances and a dead
// server process.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { startKongDriver } from './gateway';
import { queryPluginInfo } from './plugin-server';
import { FIXTURES, simpleYml, startUpstream, withDriver } from './test-helpers';

test('--dump-all-plugins is parsed and only the first plugin is registered (Kong 3.9)', async () => {
  const dir = path.join(FIXTURES, 'two-plugins');
  const { all, registered } = queryPluginInfo(dir);
  assert.deepEqual(
    all.map((p) => p.Name),
    ['a-first', 'b-second'],
  );
  assert.equal(registered.Name, 'a-first');
  assert.deepEqual(registered.Phases, ['access']);
  assert.equal(registered.Schema.fields[0]!.config.type, 'record');

  const up = await startUpstream();
  try {
    await assert.rejects(startKongDriver({ pluginsDir: dir, kongYml: simpleYml('b-second', up.url) }), /plugin 'b-second' not enabled/);
    await withDriver(
      'a-first',
      simpleYml('a-first', up.url),
      async (d) => {
        const res = await fetch(`${d.url}/api`);
        assert.equal(await res.text(), 'first');
        assert.ok(d.logger.has('registers only the first'));
      },
      { pluginsDir: dir },
    );
  } finally {
    await up.close();
  }
});

test('StartInstance gets the schema defaults and the keys Kong adds', async () => {
  const up = await startUpstream();
  try {
    const yml = {
      _format_version: '3.0',
      services: [
        {
          name: 'svc',
          url: up.url,
          routes: [{ name: 'r', paths: ['/api'], plugins: [{ name: 'config-echo', config: { name: 'x', nested: { label: 'l' } } }] }],
        },
      ],
    };
    await withDriver('config-echo', yml, async (d) => {
      const conf = (await (await fetch(`${d.url}/api`)).json()) as Record<string, unknown>;
      assert.equal(conf.name, 'x');
      assert.equal(conf.retries, 3);
      assert.equal(conf.mode, 'fast');
      assert.deepEqual(conf.tags, ['a']);
      assert.deepEqual(conf.nested, { depth: 1.5, label: 'l' });
      assert.ok(!('optional_flag' in conf), 'null fields are dropped like the DAO does');
      assert.match(String(conf.route_id), /^[0-9a-f-]{36}$/);
      assert.ok(!('service_id' in conf));
      assert.match(String(conf.__plugin_id), /^[0-9a-f-]{36}$/);
      assert.equal(conf.__seq__, 1);
      assert.match(String(conf.__key__), new RegExp(`^plugins:config-echo:${String(conf.route_id)}::::`));
    });
    await assert.rejects(
      startKongDriver({ pluginsDir: path.join(FIXTURES, 'config-echo'), kongYml: simpleYml('config-echo', up.url, { config: { retries: 11 } }) }),
      /config.name: required field missing.*config.retries: value should be between 0 and 10/,
    );
  } finally {
    await up.close();
  }
});

test('"no plugin instance" starts a new instance and retries the event, as Kong does', async () => {
  const up = await startUpstream();
  try {
    await withDriver('reader', simpleYml('reader', up.url), async (d) => {
      assert.equal((await fetch(`${d.url}/api`)).status, 200);
      const [id] = d.plugin.knownInstanceIds();
      // What the 60 s idle expiry does, done now: the worker still believes in #id.
      await d.plugin.pool.call('plugin.CloseInstance', id);
      const res = await fetch(`${d.url}/api`);
      assert.equal(res.status, 200);
      assert.ok(d.logger.has(`no plugin instance #${id}`));
      assert.notEqual(d.plugin.knownInstanceIds()[0], id);
      assert.equal(d.plugin.startedConfigs.length, 2);
    });
  } finally {
    await up.close();
  }
});

test('a dead plugin server is respawned and the next request recovers', async () => {
  const up = await startUpstream();
  try {
    await withDriver('reader', simpleYml('reader', up.url), async (d) => {
      assert.equal((await fetch(`${d.url}/api`)).status, 200);
      const oldPid = d.pluginServerPid()!;
      process.kill(oldPid, 'SIGKILL');
      const deadline = Date.now() + 5000;
      while (
        (d.pluginServerPid() === oldPid ||
          !(await d.process.waitForSocket(100).then(
            () => true,
            () => false,
          ))) &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.notEqual(d.pluginServerPid(), oldPid);
      assert.ok(d.logger.has("external pluginserver 'js' terminated"));
      const res = await fetch(`${d.url}/api`);
      assert.equal(res.status, 200);
      assert.ok(d.logger.has('no plugin instance'), 'the new server knows no instance: Kong restarts it');
    });
  } finally {
    await up.close();
  }
});
