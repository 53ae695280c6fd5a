import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from '../api/client';
import type { TokenClaims } from './read-token-claims';

export interface Session {
  api: Api;
  claims: TokenClaims;
  /** Admins edit; viewers read. The control plane enforces it either way. */
  canEdit: boolean;
  signOut(message?: string): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}
