import { authenticateSession } from '../graph/session/session.service';
import type { Viewer } from '../graph/context';
import type { AppDeps } from '../graph/services';

export type Credential = { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'malformed' };

/** Reads `Authorization: Bearer <token>` (HTTP header or the `authorization` connection param on WS). */
export function readCredential(authorization: unknown): Credential {
  if (authorization === undefined || authorization === null || authorization === '') return { kind: 'none' };
  if (typeof authorization !== 'string') return { kind: 'malformed' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? { kind: 'bearer', token: match[1] } : { kind: 'malformed' };
}

/**
 * The viewer of a request: null for an anonymous one. A credential that is present but
 * not valid (unknown, expired, revoked, deactivated user) is `invalid`: the caller answers
 * UNAUTHENTICATED instead of silently treating the request as anonymous.
 */
export async function resolveViewer(deps: AppDeps, credential: Credential): Promise<Viewer | null | 'invalid'> {
  switch (credential.kind) {
    case 'none':
      return null;
    case 'malformed':
      return 'invalid';
    case 'bearer':
      return (await authenticateSession(deps, credential.token)) ?? 'invalid';
  }
}
