// The data planes' conversation state store (role dataplane): see
// services/conversation-state.service.ts.
import { Router } from 'express';
import { notFound } from '../errors';
import type { Services } from '../services';

export function conversationStateRoutes({ conversationState }: Services): Router {
  const r = Router();
  r.put('/dataplane/state/:key', async (req, res) => {
    res.json(await conversationState.put(req.params.key, req.body));
  });
  r.get('/dataplane/state/:key', async (req, res) => {
    const record = await conversationState.get(req.params.key);
    if (!record) throw notFound('state', req.params.key);
    res.json(record);
  });
  r.delete('/dataplane/state/:key', async (req, res) => {
    if (!(await conversationState.delete(req.params.key))) throw notFound('state', req.params.key);
    res.status(204).end();
  });
  return r;
}
