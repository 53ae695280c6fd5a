// A Kong node's first request waits for its data plane's first snapshot, and
// the first snapshot request a control plane answers pays for more than the
// snapshot: express-openapi-validator compiles an operation's request
// validator on its first call, and the JWT check and the route run cold
// (measured: 35-50 ms from the request's arrival to the route, 2 ms after).
// So at start-up the control plane asks itself for one snapshot over
// loopback, with a dataplane token it signs for that one request (60 s,
// never stored or logged). Without JWT_SECRET (tokens come from an identity
// provider) it can sign none and only builds the snapshot.
import type { ControlPlaneConfig } from '../config';
import { signToken } from '../middleware/verify-token';
import type { SnapshotService } from '../services/snapshot.service';

export async function warmDataplanePath(url: string, jwt: ControlPlaneConfig['jwt'], snapshot: SnapshotService): Promise<void> {
  if (!jwt.secret) {
    await snapshot.build();
    return;
  }
  const token = signToken(jwt, { sub: 'control-plane-warm-up', role: 'dataplane' }, 60);
  const res = await fetch(`${url}/api/v1/dataplane/snapshot`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`the control plane's own snapshot request answered ${res.status}`);
}
