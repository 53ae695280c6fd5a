// Reads a JSON request body with a size cap.
//
// By the request's events, not `for await`: Node's async iterator leaves its
// end-of-stream listeners (~1.2 KiB of closures) on the request once it has
// read it, and a stream's request lives as long as the stream.
import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; code: string; message: string };

/** A body that cannot be read whole (the connection closed mid-body) is a 499, which the request's trace records. */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (part: Buffer): void => {
      size += part.length;
      if (size <= maxBytes) return void parts.push(part);
      stop();
      req.resume(); // the rest is read and dropped, so the connection can answer
      resolve({ ok: false, status: 413, code: 'request_too_large', message: `The request body exceeds the gateway's limit of ${maxBytes} bytes.` });
    };
    const onEnd = (): void => {
      stop();
      resolve(parsed(Buffer.concat(parts, size).toString('utf8')));
    };
    const onError = (): void => {
      stop();
      resolve({ ok: false, status: 499, code: 'client_closed_request', message: 'The connection closed before the request body was whole.' });
    };
    const onClose = onError;
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function parsed(text: string): BodyResult {
  if (text.trim() === '') return { ok: false, status: 400, code: 'invalid_json', message: 'The request body is empty; a JSON object was expected.' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, status: 400, code: 'invalid_json', message: `We could not parse the JSON body of your request: ${(err as Error).message}` };
  }
}
