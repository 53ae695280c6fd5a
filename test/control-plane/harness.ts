// Starts a real control plane (HTTP on a free port) against a fresh test
// database, with generated keys, and mints tokens for any role.
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import supertest from 'supertest';
import type { ControlPlaneConfig } from '../../control-plane/config';
import { createLogger, type Logger } from '../../control-plane/logger';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/server';
import { connectTestDb, type TestDb } from '../helpers/db';

export type Role = 'admin' | 'viewer' | 'dataplane';

export function testConfig(overrides: Partial<ControlPlaneConfig> = {}): ControlPlaneConfig {
  return {
    production: false,
    host: '127.0.0.1',
    port: 0,
    dataDir: '/nonexistent',
    jwt: { secret: crypto.randomBytes(32).toString('hex'), audience: 'kong-llm-gateway' },
    kek: { current: { version: 1, key: crypto.randomBytes(32) }, previous: [] },
    versionPollMs: 100,
    logLevel: 'silent',
    // Fakes and local models listen on loopback.
    outbound: { loopback: true, private: false },
    logFormat: 'json',
    conversationRetentionDays: 30,
    warnings: [],
    ...overrides,
  };
}

export interface Harness {
  cp: RunningControlPlane;
  db: TestDb;
  config: ControlPlaneConfig;
  http: ReturnType<typeof supertest>;
  token(role: Role, opts?: jwt.SignOptions & { sub?: string }): string;
  /** supertest request with a bearer token of that role. */
  as(role: Role): {
    get(path: string): supertest.Test;
    post(path: string): supertest.Test;
    put(path: string): supertest.Test;
    patch(path: string): supertest.Test;
    delete(path: string): supertest.Test;
  };
  close(): Promise<void>;
}

export async function startHarness(opts: { config?: Partial<ControlPlaneConfig>; db?: TestDb; log?: Logger } = {}): Promise<Harness> {
  const db = opts.db ?? (await connectTestDb('cp'));
  const config = testConfig(opts.config);
  const cp = await startControlPlane({
    mongoUri: db.uri,
    port: 0,
    config,
    log: opts.log ?? createLogger(process.env.CP_LOG ?? 'silent'),
    validateResponses: true,
  });
  const http = supertest(cp.url);
  const token = (role: Role, o: jwt.SignOptions & { sub?: string } = {}) => {
    const { sub, ...signOpts } = o;
    return jwt.sign({ role }, config.jwt.secret!, {
      algorithm: 'HS256',
      audience: config.jwt.audience,
      subject: sub ?? `${role}-user`,
      expiresIn: 600,
      ...signOpts,
    });
  };
  const as = (role: Role) => {
    const auth = `Bearer ${token(role)}`;
    return {
      get: (p: string) => http.get(p).set('Authorization', auth),
      post: (p: string) => http.post(p).set('Authorization', auth),
      put: (p: string) => http.put(p).set('Authorization', auth),
      patch: (p: string) => http.patch(p).set('Authorization', auth),
      delete: (p: string) => http.delete(p).set('Authorization', auth),
    };
  };
  return {
    cp,
    db,
    config,
    http,
    token,
    as,
    async close() {
      await cp.close();
      if (!opts.db) await db.close();
    },
  };
}

/** Fixtures that pass validation. */
export const openaiSecret = (name = 'openai-key') => ({ name, provider: 'openai', value: { apiKey: 'sk-test-0123456789abcdef' } });

export const chatEndpoint = (name = 'chat-main', secret = 'openai-key') => ({
  name,
  kind: 'chat',
  destinations: [
    { id: 'primary', provider: 'openai', model: 'gpt-4o-mini', secret, weight: 80 },
    { id: 'local', provider: 'ollama', model: 'llama3', weight: 20, options: { baseUrl: 'http://localhost:11434' } },
  ],
  fallback: { chain: ['local'] },
});
