// Serves the admin console (console/, built by `npm run build` into
// dist/console) at /console under a strict Content-Security-Policy: only the
// console's own scripts, styles and API calls; nothing inline, nothing from
// another origin, never framed.
import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type Response } from 'express';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** Finds dist/console (with its index.html) above `start`, from both the sources and dist/. */
export function findConsoleDir(start = __dirname): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'dist', 'console');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function setSecurityHeaders(res: Response): void {
  res.set({
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-frame-options': 'DENY',
  });
}

export function mountConsole(app: Express, dir: string | undefined): void {
  app.use('/console', (_req, res, next) => {
    setSecurityHeaders(res);
    if (dir) return next();
    res.status(404).type('text/plain').send('The console is not built: run `npm run build` (it builds dist/console).\n');
  });
  if (!dir) return;
  app.use(
    '/console',
    express.static(dir, {
      index: 'index.html',
      // Vite names assets by content hash; index.html must be revalidated to pick up a new build.
      setHeaders: (res, file) => {
        res.set('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
}
