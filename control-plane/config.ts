// The one place that reads environment variables. Everything else receives a
// ControlPlaneConfig, so tests can build one without touching process.env.
import path from 'node:path';
import { outboundPolicyFrom, type OutboundPolicy } from '../plugin/upstream/outbound-policy';
import { parseTtl } from './cli/parse-ttl';
import { loadOrCreateLocalKey, readLocalKey } from './local-keys';
import type { LogFormat } from './logger';
import type { RetentionConfig } from './services/retention.service';

export interface KeyEncryptionKey {
  version: number;
  key: Buffer;
}

export interface ControlPlaneConfig {
  production: boolean;
  host: string;
  port: number;
  /** Unset: the launcher starts an embedded FerretDB in dataDir (local mode only). */
  mongoUri?: string;
  dataDir: string;
  jwt: {
    secret?: string;
    publicKey?: string;
    audience: string;
    issuer?: string;
    /** Longest lifetime (exp - iat) accepted, seconds: people (admin, viewer) and data planes. Defaults: 7 days, 400 days. */
    maxTtlSeconds?: { people: number; dataplane: number };
  };
  /** Loopback and private targets for destinations and webhooks (refused unless allowed). */
  outbound?: OutboundPolicy;
  kek: { current: KeyEncryptionKey; previous: KeyEncryptionKey[] };
  /** How often each replica polls the global config version (cross-replica wake-up). */
  versionPollMs: number;
  logLevel: string;
  /**
   * Where the console's playground sends chat requests (a gateway the browser
   * cannot reach under the console's CSP). Unset: the playground is off.
   */
  playground?: { gatewayUrl: string };
  /** How long conversation state (stored Responses answers, reasoning state) may be kept. */
  conversationRetentionDays: number;
  /** Human lines in local mode, JSON in production and tests (LOG_FORMAT overrides). */
  logFormat: LogFormat;
  /** The process's nice value (0-19): on a host shared with Kong, the data path gets the cores first. */
  nice?: number;
  /** How long traces, payloads and usage rollups are kept (README, configuration); defaults when unset. */
  retention?: Partial<RetentionConfig>;
  /**
   * Most traces the flusher applies to the rollups and list index in one
   * group (GATEWAY_INGEST_GROUP_TRACES): bigger groups rewrite each document
   * less often per trace, at about 7 KB of memory per trace of the group.
   */
  ingestGroupTraces?: number;
  /** Budget ledger tuning (docs/budgets.md); defaults when unset. */
  budgets?: { leaseTtlMs?: number; sweepMs?: number; slices?: boolean };
  /** Loud start-up warnings (generated keys); the caller logs them. */
  warnings: string[];
}

export class ConfigError extends Error {}

function parseKey(base64: string, name: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== 32) throw new ConfigError(`${name} must be base64 of exactly 32 bytes (got ${key.length})`);
  return key;
}

function parseDays(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a whole number of days (0: keep forever)`);
  return n;
}

function parseVersion(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} must be a positive integer`);
  return n;
}

function parseNice(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 19) throw new ConfigError('GATEWAY_NICE must be an integer from 0 to 19');
  return n;
}

function parseGroupTraces(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1_000 || n > 200_000) throw new ConfigError('GATEWAY_INGEST_GROUP_TRACES must be an integer from 1000 to 200000');
  return n;
}

/** GATEWAY_KEK_PREVIOUS: comma-separated `version:base64key` pairs kept for decrypting until re-wrapped. */
function parsePreviousKeks(raw: string | undefined): KeyEncryptionKey[] {
  if (!raw) return [];
  return raw
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((pair) => {
      const idx = pair.indexOf(':');
      if (idx < 0) throw new ConfigError('GATEWAY_KEK_PREVIOUS entries must look like <version>:<base64 key>');
      return {
        version: parseVersion(pair.slice(0, idx).trim(), 'GATEWAY_KEK_PREVIOUS version', 0),
        key: parseKey(pair.slice(idx + 1), 'GATEWAY_KEK_PREVIOUS key'),
      };
    });
}

export const DEFAULT_MAX_TTL = { people: 7 * 86400, dataplane: 400 * 86400 };

function durationOf(raw: string | undefined, name: string, fallback: number): number {
  if (!raw) return fallback;
  try {
    return parseTtl(raw);
  } catch {
    throw new ConfigError(`${name} must look like 3600, 90s, 30m, 12h or 7d`);
  }
}

function outbound(raw: string | undefined): OutboundPolicy {
  try {
    return outboundPolicyFrom(raw);
  } catch (err) {
    throw new ConfigError(`GATEWAY_OUTBOUND_ALLOW: ${(err as Error).message}`);
  }
}

/** PLAYGROUND_GATEWAY_URL: the gateway's base URL, `off` to disable; default the local gateway of `npm start`. */
function parsePlaygroundGatewayUrl(raw: string | undefined, gatewayPort: string | undefined): string | undefined {
  if (raw === 'off') return undefined;
  const url = raw || `http://127.0.0.1:${parseVersion(gatewayPort, 'GATEWAY_PORT', 8000)}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`PLAYGROUND_GATEWAY_URL must be an http(s) URL or "off" (got ${url})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError('PLAYGROUND_GATEWAY_URL must be an http(s) URL or "off"');
  return url.replace(/\/+$/, '');
}

export interface LoadOptions {
  /**
   * Whether missing local keys may be generated. Only the control plane
   * creates them, on its first start; a CLI that made its own would sign
   * tokens (or wrap keys) nothing else accepts.
   */
  createLocalKeys?: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): ControlPlaneConfig {
  const createLocalKeys = options.createLocalKeys ?? true;
  const production = env.NODE_ENV === 'production';
  const dataDir = path.resolve(env.GATEWAY_DATA_DIR || './.data');
  const warnings: string[] = [];

  let jwtSecret = env.JWT_SECRET || undefined;
  const publicKey = env.JWT_PUBLIC_KEY || undefined;
  if (!jwtSecret && !publicKey) {
    if (production) throw new ConfigError('JWT_SECRET (or JWT_PUBLIC_KEY) is required when NODE_ENV=production');
    jwtSecret = localKey(path.join(dataDir, 'jwt-secret'), 48, createLocalKeys, 'JWT_SECRET').toString('base64url');
    warnings.push(`JWT_SECRET is not set: using a generated secret stored in ${path.join(dataDir, 'jwt-secret')} (local mode only)`);
  }

  let kek: KeyEncryptionKey;
  const kekVersion = parseVersion(env.GATEWAY_KEK_VERSION, 'GATEWAY_KEK_VERSION', 1);
  if (env.GATEWAY_KEK) {
    kek = { version: kekVersion, key: parseKey(env.GATEWAY_KEK, 'GATEWAY_KEK') };
  } else {
    if (production) throw new ConfigError('GATEWAY_KEK (base64, 32 bytes) is required when NODE_ENV=production');
    kek = { version: kekVersion, key: localKey(path.join(dataDir, 'kek'), 32, createLocalKeys, 'GATEWAY_KEK') };
    warnings.push(
      `GATEWAY_KEK is not set: secrets are encrypted with a generated key stored in ${path.join(dataDir, 'kek')} (local mode only; losing it loses every secret)`,
    );
  }
  const previous = parsePreviousKeks(env.GATEWAY_KEK_PREVIOUS);
  if (previous.some((p) => p.version === kek.version)) {
    throw new ConfigError('GATEWAY_KEK_PREVIOUS must not contain the current GATEWAY_KEK_VERSION');
  }

  const mongoUri = env.MONGODB_URI || undefined;
  if (production && !mongoUri) throw new ConfigError('MONGODB_URI is required when NODE_ENV=production');

  const playgroundGatewayUrl = parsePlaygroundGatewayUrl(env.PLAYGROUND_GATEWAY_URL, env.GATEWAY_PORT);

  return {
    production,
    host: env.CONTROL_PLANE_HOST || (production ? '0.0.0.0' : '127.0.0.1'),
    port: parseVersion(env.CONTROL_PLANE_PORT, 'CONTROL_PLANE_PORT', 8080),
    mongoUri,
    dataDir,
    jwt: {
      secret: jwtSecret,
      publicKey,
      audience: env.JWT_AUDIENCE || 'kong-llm-gateway',
      issuer: env.JWT_ISSUER || undefined,
      maxTtlSeconds: {
        people: durationOf(env.JWT_MAX_TTL, 'JWT_MAX_TTL', DEFAULT_MAX_TTL.people),
        dataplane: durationOf(env.JWT_MAX_TTL_DATAPLANE, 'JWT_MAX_TTL_DATAPLANE', DEFAULT_MAX_TTL.dataplane),
      },
    },
    outbound: outbound(env.GATEWAY_OUTBOUND_ALLOW),
    kek: { current: kek, previous },
    versionPollMs: parseVersion(env.CONFIG_VERSION_POLL_MS, 'CONFIG_VERSION_POLL_MS', 250),
    ...(playgroundGatewayUrl ? { playground: { gatewayUrl: playgroundGatewayUrl } } : {}),
    budgets: {
      ...(env.BUDGET_LEASE_TTL_MS ? { leaseTtlMs: parseVersion(env.BUDGET_LEASE_TTL_MS, 'BUDGET_LEASE_TTL_MS', 10_000) } : {}),
      ...(env.BUDGET_SWEEP_MS ? { sweepMs: parseVersion(env.BUDGET_SWEEP_MS, 'BUDGET_SWEEP_MS', 1_000) } : {}),
      ...(env.BUDGET_SLICES ? { slices: env.BUDGET_SLICES !== 'off' } : {}),
    },
    retention: Object.fromEntries(
      Object.entries({
        traceDays: parseDays(env.TRACE_RETENTION_DAYS, 'TRACE_RETENTION_DAYS'),
        payloadDays: parseDays(env.TRACE_PAYLOAD_RETENTION_DAYS, 'TRACE_PAYLOAD_RETENTION_DAYS'),
        usageMinuteDays: parseDays(env.USAGE_MINUTE_RETENTION_DAYS, 'USAGE_MINUTE_RETENTION_DAYS'),
        usageDays: parseDays(env.USAGE_RETENTION_DAYS, 'USAGE_RETENTION_DAYS'),
        sweepMs: env.RETENTION_SWEEP_MINUTES ? parseVersion(env.RETENTION_SWEEP_MINUTES, 'RETENTION_SWEEP_MINUTES', 60) * 60_000 : undefined,
      }).filter(([, v]) => v !== undefined),
    ),
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'warn' : 'info'),
    conversationRetentionDays: parseVersion(env.CONVERSATION_RETENTION_DAYS, 'CONVERSATION_RETENTION_DAYS', 30),
    nice: parseNice(env.GATEWAY_NICE),
    ...(env.GATEWAY_INGEST_GROUP_TRACES ? { ingestGroupTraces: parseGroupTraces(env.GATEWAY_INGEST_GROUP_TRACES) } : {}),
    logFormat: env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty' ? env.LOG_FORMAT : production || env.NODE_ENV === 'test' ? 'json' : 'pretty',
    warnings,
  };
}

function localKey(file: string, bytes: number, create: boolean, variable: string): Buffer {
  if (create) return loadOrCreateLocalKey(file, bytes);
  const key = readLocalKey(file);
  if (!key) {
    throw new ConfigError(
      `${variable} is not set and there is no local key at ${file}. ` +
        'Start the local stack first (npm start creates its keys there), or set GATEWAY_DATA_DIR to the data dir the running control plane uses, or set ' +
        `${variable} to its value.`,
    );
  }
  return key;
}
