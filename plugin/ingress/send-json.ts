// Plain responses of the data server, always in OpenAI's error shape on failure.
import type { ServerResponse } from 'node:http';
import type { ErrorBody } from '../openai/types';
import { endAnswer } from './answer-end';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    endAnswer(res);
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  endAnswer(res, text);
}

export function errorBody(message: string, type: string, code: string | null, param: string | null = null): ErrorBody {
  return { error: { message, type, param, code } };
}
