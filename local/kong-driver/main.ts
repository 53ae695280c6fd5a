#!/usr/bin/env node
// CLI: node dist/local/kong-driver/main.js --kong-yml kong.yml --plugins-dir dist/plugin/kong --port 8000
// Runs the driver until SIGINT/SIGTERM, then stops the plugin server with it.
import { startKongDriver } from './gateway';
import { DriverLogger } from './logger';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

async function main(): Promise<void> {
  const kongYml = arg('kong-yml');
  const pluginsDir = arg('plugins-dir');
  if (!kongYml || !pluginsDir) {
    process.stderr.write(
      'usage: main.js --kong-yml <file> --plugins-dir <dir> [--port 8000] [--host 127.0.0.1] [--prefix <dir>] [--client-body-buffer-size 8192]\n',
    );
    process.exit(2);
  }
  // A launcher wants to see what Kong would log; tests keep the default (quiet).
  const logger = new DriverLogger(process.env.KONG_DRIVER_LOG !== '0');
  const driver = await startKongDriver({
    kongYml,
    pluginsDir,
    port: Number(arg('port', '8000')),
    host: arg('host', '127.0.0.1'),
    prefix: arg('prefix'),
    clientBodyBufferSize: Number(arg('client-body-buffer-size', '8192')),
    logger,
  });
  process.stdout.write(`kong-driver listening on ${driver.url} (plugin ${driver.plugin.name}, plugin server pid ${driver.pluginServerPid()})\n`);
  const stop = () => void driver.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`kong-driver: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
