// The data planes' conversation state store (role dataplane): see
// services/conversation-state.service.ts.
import { Router } from 'express';
import { notFound } from '../errors';
import type { Services } from '../services';

export function conversationStateRoutes({ conversationState }: Services): Router {
  const r = Router();
  r.put('/dataplane/state/:key', async (req, res) => {
    const { value, ttlSeconds, endpoint } = req.body as { value: unknown; ttlSeconds: number; endpoint?: string };
    res.json(await conversationState.put(req.params.key as string, value, { ttlSeconds, endpoint }));
  });
  r.get('/dataplane/state/:key', async (req, res) => {
    const entry = await conversationState.get(req.params.key as string);
    if (!entry) throw notFound('state', req.params.key as string);
    res.json(entry);
  });
  return r;
}
