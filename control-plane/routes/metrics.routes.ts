// GET /metrics: Prometheus text format (roles admin and viewer; scrape with a
// viewer token, e.g. Prometheus `authorization.credentials_file`).
import { Router } from 'express';
import type { Services } from '../services';

export function metricsRoutes({ metrics }: Services): Router {
  const r = Router();
  r.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.text());
  });
  return r;
}
