import { Router } from 'express';
import { actorOf } from '../middleware/actor';
import type { Services } from '../services';

export function endpointsRoutes({ endpoints }: Services): Router {
  const r = Router();
  r.get('/endpoints', async (_req, res) => {
    res.json({ items: await endpoints.list() });
  });
  r.post('/endpoints', async (req, res) => {
    res.status(201).json(await endpoints.create(actorOf(req), req.body));
  });
  r.get('/endpoints/:name', async (req, res) => {
    res.json(await endpoints.get(req.params.name));
  });
  r.put('/endpoints/:name', async (req, res) => {
    res.json(await endpoints.replace(actorOf(req), req.params.name, req.body));
  });
  r.patch('/endpoints/:name', async (req, res) => {
    res.json(await endpoints.patch(actorOf(req), req.params.name, req.body));
  });
  r.delete('/endpoints/:name', async (req, res) => {
    await endpoints.delete(actorOf(req), req.params.name);
    res.status(204).end();
  });
  return r;
}
