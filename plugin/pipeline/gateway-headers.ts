// Response headers that tell the client who served it, what the gateway's
// own work took, what the answer cost and what its budgets have left.
import type { Call } from './call-kind';
import type { TraceRecorder } from './trace-recorder';

/** A successful answer's headers (the attempt answering now counted): the gateway's, and the budgets' where any applies. */
export function answerHeaders(call: Pick<Call<unknown, never>, 'trace' | 'endpoint' | 'budgetHeaders'>): Record<string, string> {
  return { ...gatewayHeaders(call.trace, call.endpoint.name, 1), ...call.budgetHeaders?.() };
}

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
