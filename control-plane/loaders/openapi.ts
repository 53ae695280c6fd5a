// openapi.yaml is the single source of truth: it validates every request
// (and every response in tests), decides which roles may call an operation
// (the role names in each operation's bearerAuth requirement), and is served
// as /openapi.yaml and /docs.
import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type Request } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import swaggerUi from 'swagger-ui-express';
import YAML from 'yaml';
import type { ControlPlaneConfig } from '../config';
import { forbidden } from '../errors';
import { setActor } from '../middleware/actor';
import { verifyBearer } from '../middleware/verify-token';

/** Finds openapi.yaml at the repository root from both the sources and dist/. */
export function findSpecPath(start = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'openapi.yaml');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`openapi.yaml not found above ${start}`);
  }
}

export function loadSpec(): { text: string; doc: Record<string, unknown> } {
  const text = fs.readFileSync(findSpecPath(), 'utf8');
  return { text, doc: YAML.parse(text) as Record<string, unknown> };
}

export function mountApiDocs(app: Express, spec: { text: string; doc: Record<string, unknown> }): void {
  app.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(spec.text);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(spec.doc));
}

export function mountValidator(app: Express, spec: { doc: Record<string, unknown> }, jwt: ControlPlaneConfig['jwt'], validateResponses: boolean): void {
  app.use(express.json({ limit: '10mb' }));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: structuredClone(spec.doc) as never,
      validateRequests: { allowUnknownQueryParameters: false },
      validateResponses,
      validateFormats: true,
      ajvFormats: { mode: 'full' },
      ignorePaths: /^\/(docs|openapi\.yaml)(\/|$)/,
      validateSecurity: {
        handlers: {
          // `roles` are the names listed in the operation's security requirement.
          bearerAuth: (req: Request, roles: string[]) => {
            const actor = verifyBearer(req.get('authorization'), jwt);
            if (!roles.includes(actor.role)) {
              throw forbidden(`role '${actor.role}' may not call this operation (allowed: ${roles.join(', ')})`);
            }
            setActor(req, { ...actor, requestId: req.res?.locals.requestId as string | undefined });
            return true;
          },
        },
      },
    }),
  );
}
