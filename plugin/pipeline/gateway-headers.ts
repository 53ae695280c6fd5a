// Response headers that tell the client who served it, what the gateway's
// own work took and what the answer cost.
import type { TraceRecorder } from './trace-recorder';

/** `inFlight`: attempts not yet entered in the trace (the one answering now). */
export function gatewayHeaders(trace: TraceRecorder, endpoint: string, inFlight = 0): Record<string, string> {
  const served = trace.served;
  return {
    'x-request-id': trace.start.id,
    'x-gateway-endpoint': endpoint,
    'x-gateway-attempts': String(trace.attemptsSoFar(inFlight)),
    'x-gateway-overhead-ms': trace.overheadMs(performance.now()).toFixed(2),
    ...(served ? { 'x-gateway-provider': served.provider, 'x-gateway-model': served.model } : {}),
    // Known once the answer is whole: not on a stream's headers (its cost travels in the final usage chunk).
    ...(trace.costUsd !== undefined ? { 'x-gateway-cost-usd': trace.costUsd.toFixed(8) } : {}),
  };
}
