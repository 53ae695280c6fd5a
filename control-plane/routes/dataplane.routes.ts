import { Router, type Response } from 'express';
import type { Services } from '../services';

/** If-None-Match values without quotes or W/ ("*" matches any version). */
function requestedVersions(header: string | undefined): string[] {
  if (!header) return [];
  return header.split(',').map((t) =>
    t
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1'),
  );
}

const etag = (version: number) => `"${version}"`;

function notModified(res: Response, version: number) {
  res.status(304).set('ETag', etag(version)).end();
}

export function dataplaneRoutes({ snapshot, traceIngest }: Services): Router {
  const r = Router();

  r.get('/dataplane/snapshot', async (req, res) => {
    const waitSeconds = Number(req.query.wait ?? 0);
    const known = requestedVersions(req.get('if-none-match'));
    let version = await snapshot.versions.current();
    if (known.includes(String(version)) || known.includes('*')) {
      if (waitSeconds <= 0) return notModified(res, version);
      // Long poll: hold until the version moves past the one the data plane has.
      const gone = new AbortController();
      res.on('close', () => gone.abort());
      const changed = await snapshot.versions.waitForChange(version, waitSeconds * 1000, gone.signal);
      if (gone.signal.aborted) return;
      if (!changed) return notModified(res, version);
      version = await snapshot.versions.current();
    }
    const snap = await snapshot.ofVersion(version);
    res.set('ETag', etag(snap.version)).set('Cache-Control', 'no-store').json(snap);
  });

  r.post('/dataplane/traces', async (req, res) => {
    res.json(await traceIngest.ingest(req.body.traces));
  });
  return r;
}
