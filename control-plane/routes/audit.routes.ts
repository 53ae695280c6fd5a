import { Router } from 'express';
import type { Services } from '../services';
import type { AuditQuery } from '../services/audit.service';

export function auditRoutes({ audit }: Services): Router {
  const r = Router();
  r.get('/audit', async (req, res) => {
    res.json(await audit.list({ limit: 50, ...(req.query as unknown as Partial<AuditQuery>) }));
  });
  return r;
}
