import { Router } from 'express';
import { actorOf } from '../middleware/actor';
import type { Services } from '../services';

export function telemetryRoutes({ exporters, telemetryCounts }: Services): Router {
  const r = Router();
  r.get('/telemetry/exporters', async (_req, res) => {
    res.json({ items: await exporters.list() });
  });
  r.post('/telemetry/exporters', async (req, res) => {
    res.status(201).json(await exporters.create(actorOf(req), req.body));
  });
  r.get('/telemetry/exporters/:name', async (req, res) => {
    res.json(await exporters.get(req.params.name));
  });
  r.patch('/telemetry/exporters/:name', async (req, res) => {
    res.json(await exporters.patch(actorOf(req), req.params.name, req.body));
  });
  r.delete('/telemetry/exporters/:name', async (req, res) => {
    await exporters.delete(actorOf(req), req.params.name);
    res.status(204).end();
  });
  r.post('/dataplane/telemetry', async (req, res) => {
    await telemetryCounts.record(req.body);
    res.status(204).end();
  });
  return r;
}
