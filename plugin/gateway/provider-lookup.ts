// The provider implementation behind a destination.
import type { Destination } from '../contract';
import { providers } from '../providers';
import type { Provider } from '../providers/contract';
import type { AttemptFailure } from '../routing/retry';

export function resolveProvider(destination: Destination): { ok: true; value: Provider } | { ok: false; failure: AttemptFailure } {
  const provider = providers[destination.provider];
  if (provider) return { ok: true, value: provider };
  return {
    ok: false,
    failure: {
      kind: 'status',
      status: 500,
      upstreamStatus: null,
      type: 'server_error',
      code: 'provider_not_supported',
      message: `destination '${destination.id}' names provider '${destination.provider}', which this gateway build does not support`,
    },
  };
}
