// Response headers that tell the client who served it and what the gateway cost.
import type { Destination } from '../contract';

export function gatewayHeaders(requestId: string, endpoint: string, attempts: number, overheadMs: number, served?: Destination): Record<string, string> {
  return {
    'x-request-id': requestId,
    'x-gateway-endpoint': endpoint,
    'x-gateway-attempts': String(attempts),
    'x-gateway-overhead-ms': overheadMs.toFixed(2),
    ...(served ? { 'x-gateway-provider': served.provider, 'x-gateway-model': served.model } : {}),
  };
}
