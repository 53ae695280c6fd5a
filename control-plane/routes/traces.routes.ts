import { Router } from 'express';
import type { Services } from '../services';
import type { TraceQuery } from '../services/traces.service';

// Query parameters arrive validated and type-coerced by the OpenAPI validator.
export function tracesRoutes({ traces, usage, shadowComparisons }: Services): Router {
  const r = Router();
  r.get('/traces', async (req, res) => {
    res.json(await traces.list({ limit: 50, ...(req.query as unknown as Partial<TraceQuery>) }));
  });
  r.get('/traces/:id', async (req, res) => {
    res.json(await traces.get(req.params.id));
  });
  r.get('/usage/summary', async (req, res) => {
    res.json(await usage.summary(req.query));
  });
  r.get('/usage/series', async (req, res) => {
    res.json(await usage.series(req.query));
  });
  r.get('/usage/shadow', async (req, res) => {
    res.json(await shadowComparisons.report(req.query));
  });
  return r;
}
