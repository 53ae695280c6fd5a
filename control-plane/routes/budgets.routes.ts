import { Router } from 'express';
import { actorOf } from '../middleware/actor';
import type { Services } from '../services';

export function budgetsRoutes({ budgets }: Services): Router {
  const r = Router();
  r.get('/budgets', async (_req, res) => {
    res.json({ items: await budgets.list() });
  });
  r.post('/budgets', async (req, res) => {
    res.status(201).json(await budgets.create(actorOf(req), req.body));
  });
  r.get('/budgets/:id', async (req, res) => {
    res.json(await budgets.get(req.params.id));
  });
  r.put('/budgets/:id', async (req, res) => {
    res.json(await budgets.replace(actorOf(req), req.params.id, req.body));
  });
  r.patch('/budgets/:id', async (req, res) => {
    res.json(await budgets.patch(actorOf(req), req.params.id, req.body));
  });
  r.delete('/budgets/:id', async (req, res) => {
    await budgets.delete(actorOf(req), req.params.id);
    res.status(204).end();
  });
  r.get('/budgets/:id/spend', async (req, res) => {
    res.json(await budgets.spend(req.params.id, req.query));
  });
  return r;
}
