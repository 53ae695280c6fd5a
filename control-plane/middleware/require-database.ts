// While the database is known to be unreachable, every API request needs it:
// answer 503 `database_unavailable` at once (with Retry-After) instead of
// letting it wait for the driver's server selection and fail with a 500.
// Data planes treat it as an outage: they keep their configuration, hold
// their traces and apply their budgets' failOpen setting.
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors';

export function databaseUnavailable(): ApiError {
  return new ApiError(503, 'database_unavailable', 'the database is unreachable; retry shortly');
}

export function requireDatabase(databaseUp: () => boolean) {
  return (_req: Request, res: Response, next: NextFunction) => {
    if (databaseUp()) return next();
    res.set('Retry-After', '2');
    next(databaseUnavailable());
  };
}
