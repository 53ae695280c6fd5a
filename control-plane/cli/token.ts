// npm run token -- --role admin --sub alice --ttl 1h
// Signs an HS256 token with the same JWT_SECRET (or local generated secret) the control plane uses.
import path from 'node:path';
import { ConfigError, DEFAULT_MAX_TTL, loadConfig } from '../config';
import { findRunningLocalStack } from '../local-stack';
import { parseTtl } from './parse-ttl';
import { signToken } from '../middleware/verify-token';

export { parseTtl } from './parse-ttl';

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!;
    if (!key.startsWith('--') || argv[i + 1] === undefined) throw new Error(`unexpected argument '${key}'`);
    out[key.slice(2)] = argv[i + 1]!;
  }
  return out;
}

/**
 * Without JWT_SECRET or GATEWAY_DATA_DIR, the keys of the local stack that is
 * running (perhaps started with another GATEWAY_DATA_DIR) are the ones that
 * count: a token signed with any other key is refused.
 */
function envWithRunningStack(): NodeJS.ProcessEnv {
  const env = process.env;
  if (env.JWT_SECRET || env.JWT_PUBLIC_KEY || env.GATEWAY_DATA_DIR) return env;
  const running = findRunningLocalStack(env);
  if (!running || running.dataDir === path.resolve('./.data')) return env;
  console.error(`using the keys of the local stack running at ${running.url} (data dir ${running.dataDir})`);
  return { ...env, GATEWAY_DATA_DIR: running.dataDir };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const role = args.role;
  if (role !== 'admin' && role !== 'viewer' && role !== 'dataplane') throw new Error('--role must be admin, viewer or dataplane');
  const config = loadConfig(envWithRunningStack(), { createLocalKeys: false });
  const ttl = parseTtl(args.ttl ?? '1h');
  const max = (config.jwt.maxTtlSeconds ?? DEFAULT_MAX_TTL)[role === 'dataplane' ? 'dataplane' : 'people'];
  if (ttl > max) {
    throw new Error(
      `--ttl ${args.ttl} is longer than the control plane accepts for role ${role} (${max} s; ${role === 'dataplane' ? 'JWT_MAX_TTL_DATAPLANE' : 'JWT_MAX_TTL'})`,
    );
  }
  process.stdout.write(signToken(config.jwt, { sub: args.sub ?? 'cli', role }, ttl) + '\n');
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : (err as Error).message);
    console.error('usage: npm run token -- --role admin|viewer|dataplane [--sub name] [--ttl 1h]');
    process.exit(1);
  }
}
