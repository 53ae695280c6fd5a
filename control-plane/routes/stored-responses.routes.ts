import { Router } from 'express';
import type { Services } from '../services';
import { actorOf } from '../middleware/actor';
import type { StoredResponseQuery } from '../services/stored-responses.service';

// Query parameters arrive validated and type-coerced by the OpenAPI validator.
export function storedResponsesRoutes({ storedResponses }: Services): Router {
  const r = Router();
  r.get('/responses', async (req, res) => {
    res.json(await storedResponses.list({ limit: 50, ...(req.query as unknown as Partial<StoredResponseQuery>) }));
  });
  r.get('/responses/:id', async (req, res) => {
    res.json(await storedResponses.get(req.params.id));
  });
  r.delete('/responses/:id', async (req, res) => {
    await storedResponses.delete(actorOf(req), req.params.id);
    res.status(204).end();
  });
  return r;
}
