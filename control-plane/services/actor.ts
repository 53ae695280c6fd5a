export type Role = 'admin' | 'viewer' | 'dataplane';

/** Who is calling: the verified JWT subject and role, plus the request id for the audit log. */
export interface Actor {
  sub: string;
  role: Role;
  requestId?: string;
}
