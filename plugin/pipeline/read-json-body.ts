// Reads a JSON request body with a size cap.
import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; message: string };

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > maxBytes) {
      req.resume();
      return { ok: false, status: 413, message: `The request body exceeds the gateway's limit of ${maxBytes} bytes.` };
    }
    parts.push(part);
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (text.trim() === '') return { ok: false, status: 400, message: 'The request body is empty; a JSON object was expected.' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, status: 400, message: `We could not parse the JSON body of your request: ${(err as Error).message}` };
  }
}
