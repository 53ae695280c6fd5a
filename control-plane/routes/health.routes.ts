import { Router } from 'express';

/** /readyz answers within about a second and a half, whatever the database does. */
export function healthRoutes(ping: () => Promise<void>, databaseUp: () => boolean): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const down = () => res.status(503).json({ error: { code: 'database_unavailable', message: 'the database does not answer a ping' } });
    if (!databaseUp()) {
      down();
      return;
    }
    try {
      await ping();
      res.json({ status: 'ok' });
    } catch {
      down();
    }
  });
  return r;
}
