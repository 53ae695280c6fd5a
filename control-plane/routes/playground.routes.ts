import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import type { ControlPlaneConfig } from '../config';
import { ApiError } from '../errors';
import { actorOf } from '../middleware/actor';
import { gatewayError, gatewayHeaders, sendPlaygroundChat, type PlaygroundChat } from '../services/playground.service';

// `config` is read per request: tests point the playground at a gateway started after the control plane.
export function playgroundRoutes(config: Pick<ControlPlaneConfig, 'playground'>): Router {
  const r = Router();
  r.post('/playground/chat', async (req, res) => {
    const gatewayUrl = config.playground?.gatewayUrl;
    if (!gatewayUrl)
      throw new ApiError(404, 'playground_disabled', 'the playground is off on this control plane: set PLAYGROUND_GATEWAY_URL to the gateway URL');

    // A browser that stops reading (Stop button, closed tab) abandons the gateway call too.
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const upstream = await sendPlaygroundChat(gatewayUrl, req.body as PlaygroundChat, actorOf(req).sub, abort.signal);
    res.set(gatewayHeaders(upstream.headers));
    if (!upstream.ok || !upstream.body) throw gatewayError(upstream.status, await upstream.text());

    res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    try {
      await pipeline(Readable.fromWeb(upstream.body), res);
    } catch {
      // The browser went away or the gateway cut the stream; the gateway's trace records which.
      res.destroy();
    }
  });
  return r;
}
