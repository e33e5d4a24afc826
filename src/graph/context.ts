import type { Logger } from '../logger';
import type { AppServices } from './services';

export type Role = 'ADMIN' | 'USER';

/** What an API key may run (see checkAccess); its user's role still applies on top. */
export type ApiKeyScope = 'READ_ONLY' | 'FULL' | 'WORK_ORDERS';

/** Who is calling: set by a session token or an API key. */
export interface Viewer {
  userId: string;
  role: Role;
  username: string;
  sessionId: string | null;
  apiKeyId: string | null;
  /** Set for an API key only: a session is not narrowed by scopes. */
  scopes?: readonly ApiKeyScope[];
}

/** One per request (HTTP) or per operation (WebSocket); nothing request-scoped lives elsewhere. */
export interface Context {
  requestId: string;
  viewer: Viewer | null;
  ip: string | null;
  userAgent: string | null;
  log: Logger;
  services: AppServices;
}
