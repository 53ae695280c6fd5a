// Configuration objects of the data-plane contract as unit tests build them:
// one destination, one endpoint, each with the fields a test changes given.
import type { Destination, Endpoint } from '../../plugin/contract';

export const destination = (over: Partial<Destination> = {}): Destination => ({
  id: 'd',
  provider: 'openai',
  model: 'gpt-4o-mini',
  credentials: {},
  options: {},
  weight: 100,
  timeoutMs: 1000,
  ...over,
});

export const endpointOf = (destinations: Destination[], over: Partial<Endpoint> = {}): Endpoint => ({
  id: 'e1',
  name: 'chat',
  kind: 'chat',
  version: 1,
  destinations,
  fallback: { chain: [], maxAttempts: 1, triggers: [] },
  logPayloads: false,
  ...over,
});
