import { authenticateApiKey } from '../graph/api-key/api-key.service';
import { authenticateSession } from '../graph/session/session.service';
import type { Viewer } from '../graph/context';
import type { AppDeps } from '../graph/services';

export type Credential =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'apiKey'; secret: string }
  | { kind: 'malformed' }
  /** A session and an API key at once: which one the caller meant is not guessed. */
  | { kind: 'ambiguous' };

/** What a request sent: `Authorization: Bearer <token>` and `X-Api-Key: <secret>` (HTTP headers or connection params on WS). */
export interface SentCredentials {
  authorization?: unknown;
  apiKey?: unknown;
}

export function readCredential(sent: SentCredentials): Credential {
  const bearer = readBearer(sent.authorization);
  const apiKey = readApiKey(sent.apiKey);
  if (bearer.kind !== 'none' && apiKey.kind !== 'none') return { kind: 'ambiguous' };
  return bearer.kind !== 'none' ? bearer : apiKey;
}

function readBearer(authorization: unknown): Credential {
  if (absent(authorization)) return { kind: 'none' };
  if (typeof authorization !== 'string') return { kind: 'malformed' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? { kind: 'bearer', token: match[1] } : { kind: 'malformed' };
}

function readApiKey(apiKey: unknown): Credential {
  if (absent(apiKey)) return { kind: 'none' };
  if (typeof apiKey !== 'string' || !apiKey.trim()) return { kind: 'malformed' };
  return { kind: 'apiKey', secret: apiKey.trim() };
}

const absent = (value: unknown) => value === undefined || value === null || value === '';

/**
 * The viewer of a request: null for an anonymous one. A credential that is present but
 * not valid (unknown, expired, revoked, deactivated user) is `invalid`: the caller answers
 * UNAUTHENTICATED instead of silently treating the request as anonymous. `ambiguous` is
 * refused as a bad request.
 */
export async function resolveViewer(deps: AppDeps, credential: Credential): Promise<Viewer | null | 'invalid' | 'ambiguous'> {
  switch (credential.kind) {
    case 'none':
      return null;
    case 'malformed':
      return 'invalid';
    case 'ambiguous':
      return 'ambiguous';
    case 'bearer':
      return (await authenticateSession(deps, credential.token)) ?? 'invalid';
    case 'apiKey':
      return (await authenticateApiKey(deps, credential.secret)) ?? 'invalid';
  }
}

/** What to tell a caller whose credential was refused, naming the kind it sent. */
export function refusal(credential: Credential): string {
  switch (credential.kind) {
    case 'apiKey':
      return 'The API key is not valid (unknown, expired or revoked).';
    case 'ambiguous':
      return 'Send either Authorization: Bearer <token> or X-Api-Key: <secret>, not both.';
    default:
      return 'The session token is not valid (unknown, expired or revoked).';
  }
}
