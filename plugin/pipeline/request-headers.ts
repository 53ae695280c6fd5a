// The client's request headers: read while a request is admitted, then let
// go. Node keeps a request's headers twice for as long as its response is
// open, the raw names and values and the object of lowercased names it builds
// from them (Node's own server reads `req.headers` for every request), and an
// open response keeps its request: for a stream, minutes. Kong adds a dozen
// headers of its own (X-Forwarded-*, X-Real-IP, X-Kong-Request-Id), SDKs add
// theirs (the OpenAI SDKs ~10 x-stainless-*): ~1.4 KiB per open stream with
// Kong's alone (bench/RESULTS.md §46). Nothing reads them once the request's
// attempts begin: Node's server has read what it needs (Host, Expect, TE)
// before it emits the request.
import type { IncomingMessage } from 'node:http';

/** The header's first value (`name` in lower case). */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Empties both copies; `headerOf` answers undefined from then on. */
export function releaseRequestHeaders(req: IncomingMessage): void {
  req.rawHeaders = [];
  req.headers = {};
}
