import type { JobRun } from '../jobs/journal';
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
  /** Set for an API key bound to a client's persisted-operation manifests: only their operations run. */
  safelistClient?: string | null;
}

/** One per request (HTTP) or per operation (WebSocket); nothing request-scoped lives elsewhere. */
export interface Context {
  requestId: string;
  viewer: Viewer | null;
  ip: string | null;
  userAgent: string | null;
  log: Logger;
  services: AppServices;
  /** Set while a worker runs a job for this context: long operations then run inside it as steps, not as jobs of their own. */
  job?: JobRun;
  /** How long a mutation may wait for the job it starts (`Prefer: wait=N`), ms; 0 returns it QUEUED at once. */
  waitMs?: number;
}
