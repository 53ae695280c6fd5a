import { Router } from 'express';
import { actorOf } from '../middleware/actor';
import type { Services } from '../services';

export function secretsRoutes({ secrets }: Services): Router {
  const r = Router();
  r.get('/secrets', async (_req, res) => {
    res.json({ items: await secrets.list() });
  });
  r.post('/secrets', async (req, res) => {
    res.status(201).json(await secrets.create(actorOf(req), req.body));
  });
  r.get('/secrets/:secret', async (req, res) => {
    res.json(await secrets.get(req.params.secret));
  });
  r.patch('/secrets/:secret', async (req, res) => {
    res.json(await secrets.updateMetadata(actorOf(req), req.params.secret, req.body));
  });
  r.put('/secrets/:secret/value', async (req, res) => {
    res.json(await secrets.rotateValue(actorOf(req), req.params.secret, req.body.value));
  });
  r.delete('/secrets/:secret', async (req, res) => {
    await secrets.delete(actorOf(req), req.params.secret);
    res.status(204).end();
  });
  return r;
}
