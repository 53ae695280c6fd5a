// Kong's own error responses (kong/tools/http.lua templates, kong/error_handlers.lua
// messages) and the version string it stamps on Via/Server.

export const KONG_VERSION = '3.9.1';
export const SERVER_HEADER = `kong/${KONG_VERSION}`;

/** Kong's message per status; 500's is always there (the fallback for the rest). */
export const ERROR_MESSAGES: { readonly [status: number]: string | undefined; readonly 500: string } = {
  404: 'Not found',
  500: 'An unexpected error occurred',
  502: 'An invalid response was received from the upstream server',
  503: 'The upstream server is currently unavailable',
  504: 'The upstream server is timing out',
};

const MIME = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  plain: 'text/plain; charset=utf-8',
};

/** tools_http.get_response_type: the best q-valued known type of an Accept header. */
export function responseType(accept: string | undefined): string {
  let type = MIME.json;
  if (!accept) return type;
  let best = 0;
  for (const part of accept.split(',')) {
    const [media, ...params] = part.trim().split(';');
    const q = Number(
      params
        .map((p) => p.trim())
        .find((p) => p.startsWith('q='))
        ?.slice(2) ?? 1,
    );
    if (!(q > best)) continue;
    const [main, sub] = (media ?? '').trim().toLowerCase().split('/');
    const found =
      sub === '*'
        ? main === '*'
          ? MIME.json
          : main === 'application'
            ? MIME.json
            : main === 'text'
              ? MIME.plain
              : undefined
        : `${main}/${sub}` === 'application/json'
          ? MIME.json
          : `${main}/${sub}` === 'text/html'
            ? MIME.html
            : `${main}/${sub}` === 'application/xml'
              ? MIME.xml
              : `${main}/${sub}` === 'text/plain'
                ? MIME.plain
                : undefined;
    best = q;
    type = found ?? MIME.json;
  }
  return type;
}

export function errorBody(mime: string, message: string, requestId: string): string {
  if (mime === MIME.html) {
    return `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${message}.</p>\n    <p>request_id: ${requestId}</p>\n  </body>\n</html>\n`;
  }
  if (mime === MIME.xml) {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${message}</message>\n  <requestid>${requestId}</requestid>\n</error>\n`;
  }
  if (mime === MIME.plain) return `${message}\nrequest_id: ${requestId}\n`;
  return `{\n  "message":"${message}",\n  "request_id":"${requestId}"\n}`;
}

/** lua-cjson escapes "/" by default; keep Kong's exact bytes for table bodies. */
export function cjsonEncode(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)).replace(/\//g, '\\/');
}
