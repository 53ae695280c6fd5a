// Reads a JSON request body with a size cap. Listeners, not `for await`: the
// async iterator costs a promise and a tick per chunk, on every request.
import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream';

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; message: string };

export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const onData = (part: Buffer) => {
      size += part.length;
      if (size <= maxBytes) parts.push(part);
      else if (!tooLarge) {
        tooLarge = true;
        // The rest is read and dropped; the 413 goes out on the connection.
        req.off('data', onData);
        req.resume();
        resolve({ ok: false, status: 413, message: `The request body exceeds the gateway's limit of ${maxBytes} bytes.` });
      }
    };
    req.on('data', onData);
    // A client gone before its body ended fails the read, as the stream's iterator did.
    const cleanup = finished(req, { writable: false }, (err) => {
      cleanup();
      if (tooLarge) return;
      if (err) return reject(err);
      resolve(parse(Buffer.concat(parts).toString('utf8')));
    });
  });
}

function parse(text: string): BodyResult {
  if (text.trim() === '') return { ok: false, status: 400, message: 'The request body is empty; a JSON object was expected.' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, status: 400, message: `We could not parse the JSON body of your request: ${(err as Error).message}` };
  }
}
