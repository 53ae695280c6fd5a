import type { Request } from 'express';
import type { Actor } from '../services/actor';

// Kept beside the request rather than on it, so no global Express type augmentation is needed.
const actors = new WeakMap<Request, Actor>();

export function setActor(req: Request, actor: Actor): void {
  actors.set(req, actor);
}

/** The authenticated caller; routes only run after the security handler set it. */
export function actorOf(req: Request): Actor {
  const actor = actors.get(req);
  if (!actor) throw new Error('actorOf() called on an unauthenticated request');
  return actor;
}
