// The Kong entry point, as kong-js-pluginserver loads it. The access phase
// is all the plugin does inside Kong: it admits the request with a one-time
// ticket and points Kong's upstream at a data server (one of this plugin
// server's data-plane worker threads, ../server/worker-runtime.ts, picked by
// ../workers/), which translates, routes and streams (see
// ../server/data-server.ts for why).
// Three PDK calls per request (two with identify_consumer off); every one is a
// socket round trip to Kong.
import { log } from '../log';
import { frontdoorFor, ShuttingDown } from '../workers/data-workers';
import { Schema, type PluginConfig } from '../schema';
import { TICKET_HEADER } from '../server/tickets';
import { raisePluginServerBacklog } from '../server/socket-backlog';

raisePluginServerBacklog();

/** The slice of Kong's PDK this plugin uses (kong-pdk maps camelCase to Kong's snake_case). */
export interface KongPdk {
  client: { getConsumer(): Promise<{ id?: string; username?: string; custom_id?: string } | null | undefined> };
  service: {
    setTarget(host: string, port: number): Promise<unknown>;
    request: { setHeader(name: string, value: string): Promise<unknown> };
  };
  response: { exit(status: number, body?: string, headers?: Record<string, string>): Promise<unknown> };
}

export class Plugin {
  constructor(private readonly config: PluginConfig) {}

  async access(kong: KongPdk): Promise<void> {
    const startedAt = performance.now();
    try {
      // Both at once: the first request after start waits for its worker's start (a few ms) and a PDK round trip.
      const [rt, consumer] = await settleBoth(frontdoorFor(this.config), this.config.identify_consumer ? kong.client.getConsumer() : undefined);
      const ticket = rt.tickets.issue({ consumer: consumer ? (consumer.username ?? consumer.custom_id ?? consumer.id) : undefined, startedAt });
      await kong.service.setTarget(this.config.data_host, rt.port);
      await kong.service.request.setHeader(TICKET_HEADER, ticket);
    } catch (err) {
      // Never let Kong proxy a request the plugin could not admit.
      if (err instanceof ShuttingDown) {
        // Kong is stopping this plugin server (a reload starts another): the client may retry at once.
        const body = {
          error: { message: 'The gateway is restarting; retry the request.', type: 'service_unavailable', param: null, code: 'gateway_shutting_down' },
        };
        await kong.response.exit(503, JSON.stringify(body), { 'content-type': 'application/json', 'retry-after': '1' });
        return;
      }
      log.error('access phase failed', { error: (err as Error).message });
      const body = { error: { message: 'The gateway could not admit this request.', type: 'server_error', param: null, code: 'gateway_unavailable' } };
      await kong.response.exit(500, JSON.stringify(body), { 'content-type': 'application/json' });
    }
  }
}

/**
 * Both values once both settled, or the first failure once both settled:
 * nothing else goes to Kong while a PDK call of this request is unanswered.
 */
async function settleBoth<A, B>(a: Promise<A>, b: Promise<B> | undefined): Promise<[A, B | undefined]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

export { Schema };
export const Version = '0.1.0';
// After authentication plugins (key-auth 1250, jwt 1450...), like Kong's ai-proxy (770).
export const Priority = 770;
export const Name = 'llm-gateway';
