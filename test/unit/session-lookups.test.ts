import { authenticateSession, forgetSessions, SESSION_TOKEN_PREFIX } from '../../src/graph/session/session.service';
import type { AppDeps } from '../../src/graph/services';
import { newToken } from '../../src/security/tokens';

/*
 * Looking up a session token: requests that arrive together with a token not looked up yet
 * share one read of the database, whatever the cache's setting; a forget (a logout, a password
 * change) drops a read under way, so a request after it reads again.
 */

/** A database that answers the session query (a drizzle select chain) once `release` is called, counting the reads. */
function fakeDeps(cacheMs: number) {
  let reads = 0;
  const waiting: (() => void)[] = [];
  const row = { sessionId: 's-1', lastSeenAt: new Date(), expiresAt: new Date(Date.now() + 3_600_000), userId: 'u-1', role: 'USER', username: 'ann' };
  const chain = {
    from: () => chain,
    innerJoin: () => chain,
    where: () => {
      reads++;
      return new Promise((resolve) => waiting.push(() => resolve([row])));
    },
  };
  const deps = {
    config: { sessions: { cacheMs } },
    db: { select: () => chain },
    log: { warn: () => undefined },
  } as unknown as AppDeps;
  return {
    deps,
    reads: () => reads,
    release: () => waiting.splice(0).forEach((answer) => answer()),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => forgetSessions());

describe('session look-ups', () => {
  it.each([2000, 0])('requests together share one read (SESSION_CACHE_MS %i)', async (cacheMs) => {
    const db = fakeDeps(cacheMs);
    const token = newToken(SESSION_TOKEN_PREFIX);
    const viewers = Array.from({ length: 5 }, () => authenticateSession(db.deps, token));
    await settle();
    expect(db.reads()).toBe(1);
    db.release();
    const seen = await Promise.all(viewers);
    expect(seen.map((v) => v?.username)).toEqual(['ann', 'ann', 'ann', 'ann', 'ann']);
    // Each request has a viewer of its own: one changed does not change the others.
    seen[0]!.username = 'changed';
    expect(seen[1]!.username).toBe('ann');

    // Once the read is done: the cache answers, or (cache off) the next request reads again.
    const later = authenticateSession(db.deps, token);
    await settle();
    db.release();
    expect((await later)?.username).toBe('ann');
    expect(db.reads()).toBe(cacheMs > 0 ? 1 : 2);
  });

  it('another token is read on its own', async () => {
    const db = fakeDeps(2000);
    const first = authenticateSession(db.deps, newToken(SESSION_TOKEN_PREFIX));
    const second = authenticateSession(db.deps, newToken(SESSION_TOKEN_PREFIX));
    await settle();
    expect(db.reads()).toBe(2);
    db.release();
    await Promise.all([first, second]);
  });

  it('a request after a forget does not join a read from before it', async () => {
    const db = fakeDeps(2000);
    const token = newToken(SESSION_TOKEN_PREFIX);
    const before = authenticateSession(db.deps, token);
    await settle();
    forgetSessions();
    const after = authenticateSession(db.deps, token);
    await settle();
    expect(db.reads()).toBe(2);
    db.release();
    await Promise.all([before, after]);
    // The read from after the forget is kept: the next request is answered without one.
    expect((await authenticateSession(db.deps, token))?.username).toBe('ann');
    expect(db.reads()).toBe(2);
  });
});
