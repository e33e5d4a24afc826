import type { Logger } from '../logger';
import type { AppServices } from './services';

export type Role = 'ADMIN' | 'USER';

/** Who is calling: set by a session token (or, later, an API key). */
export interface Viewer {
  userId: string;
  role: Role;
  username: string;
  sessionId: string | null;
  apiKeyId: string | null;
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
