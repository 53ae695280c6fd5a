import express, { type Express } from 'express';
import type { ControlPlaneConfig } from './config';
import { findConsoleDir, mountConsole } from './loaders/console';
import { mountApiDocs, loadSpec, mountValidator } from './loaders/openapi';
import type { Logger } from './logger';
import { errorHandler } from './middleware/error-handler';
import { requestContext } from './middleware/request-context';
import { requireDatabase } from './middleware/require-database';
import { auditRoutes } from './routes/audit.routes';
import { budgetLedgerRoutes } from './routes/budget-ledger.routes';
import { budgetsRoutes } from './routes/budgets.routes';
import { conversationStateRoutes } from './routes/conversation-state.routes';
import { dataplaneRoutes } from './routes/dataplane.routes';
import { endpointsRoutes } from './routes/endpoints.routes';
import { healthRoutes } from './routes/health.routes';
import { metricsRoutes } from './routes/metrics.routes';
import { playgroundRoutes } from './routes/playground.routes';
import { secretsRoutes } from './routes/secrets.routes';
import { storedResponsesRoutes } from './routes/stored-responses.routes';
import { telemetryRoutes } from './routes/telemetry.routes';
import { tracesRoutes } from './routes/traces.routes';
import type { Services } from './services';

export interface AppDeps {
  config: Pick<ControlPlaneConfig, 'jwt' | 'playground'>;
  services: Services;
  log: Logger;
  ping: () => Promise<void>;
  /** False while the database is known to be unreachable (API requests then get 503 at once). */
  databaseUp?: () => boolean;
  /** Validate every response against openapi.yaml (on in tests). */
  validateResponses?: boolean;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // ETags are ours (the snapshot version); Express's body hashes would be noise.
  app.set('etag', false);
  app.use(requestContext(deps.log));

  const spec = loadSpec();
  mountApiDocs(app, spec);
  mountConsole(app, findConsoleDir());
  mountValidator(app, spec, deps.config.jwt, deps.validateResponses ?? false);

  app.use(healthRoutes(deps.ping, deps.databaseUp ?? (() => true)));
  app.use(metricsRoutes(deps.services));
  const v1 = express.Router();
  v1.use(requireDatabase(deps.databaseUp ?? (() => true)));
  v1.use(secretsRoutes(deps.services));
  v1.use(endpointsRoutes(deps.services));
  v1.use(budgetsRoutes(deps.services));
  v1.use(tracesRoutes(deps.services));
  v1.use(auditRoutes(deps.services));
  v1.use(telemetryRoutes(deps.services));
  v1.use(dataplaneRoutes(deps.services));
  v1.use(budgetLedgerRoutes(deps.services));
  v1.use(conversationStateRoutes(deps.services));
  v1.use(storedResponsesRoutes(deps.services));
  v1.use(playgroundRoutes(deps.config));
  app.use('/api/v1', v1);

  app.use(errorHandler(deps.log));
  return app;
}
