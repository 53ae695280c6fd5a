import { Router } from 'express';

export function healthRoutes(ping: () => Promise<void>): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    try {
      await ping();
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ error: { code: 'database_unavailable', message: 'the database does not answer a ping' } });
    }
  });
  return r;
}
