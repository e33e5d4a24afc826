import crypto from 'node:crypto';

/** An opaque bearer secret with a recognisable prefix (`ecs_s_` sessions, `ecs_k_` API keys). */
export function newToken(prefix: string): string {
  return prefix + crypto.randomBytes(32).toString('base64url');
}

/** Tokens are high-entropy, so a fast hash is enough to keep them unusable at rest. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}
