import { eq } from 'drizzle-orm';
import { ChangePasswordDocument, CreateUserDocument, LoginDocument, LogoutDocument, SetUserActiveDocument, ViewerDocument } from '../../operations/generated/graphql';
import { djangoPbkdf2Hash } from '../../src/security/passwords';
import { sessions, users } from '../../src/store/schema';
import { codes, useGateway } from '../support/app';

const SESSION_CACHE_MS = 1000;
const gw = useGateway({ LOGIN_MAX_FAILURES_PER_LOGIN: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '8', SESSION_CACHE_MS: String(SESSION_CACHE_MS) });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createUser(username: string, password = 'alice-password', extra: Record<string, unknown> = {}) {
  const res = await gw.gql(CreateUserDocument, { input: { username, password, email: `${username}@example.com`, ...extra } }, { token: await gw.adminToken() });
  expect(res.errors).toBeUndefined();
  return res.data!.createUser;
}

describe('login', () => {
  it('signs in by username or e-mail, in any case, and the token identifies the user', async () => {
    const alice = await createUser('alice');
    for (const login of ['alice', 'ALICE', 'alice@example.com', 'Alice@Example.com']) {
      const res = await gw.gql(LoginDocument, { login, password: 'alice-password' });
      expect(res.errors).toBeUndefined();
      expect(res.data!.login.token).toMatch(/^ecs_s_[A-Za-z0-9_-]{40,}$/);
      const viewer = await gw.gql(ViewerDocument, {}, { token: res.data!.login.token });
      expect(viewer.data!.viewer!.id).toBe(alice.id);
    }
  });

  it('stores only a hash of the token, with an expiry', async () => {
    await createUser('bob');
    const token = await gw.login('bob', 'alice-password');
    const rows = await gw.store.db.select().from(sessions);
    expect(rows.some((r) => r.tokenHash === token)).toBe(false);
    expect(JSON.stringify(rows)).not.toContain(token);
    const row = rows.find((r) => r.expiresAt.getTime() > Date.now() + 11 * 3600_000);
    expect(row).toBeDefined();
  });

  it('gives the same answer for an unknown user and a wrong password', async () => {
    await createUser('carol');
    const unknown = await gw.gql(LoginDocument, { login: 'nobody', password: 'whatever-1' });
    const wrong = await gw.gql(LoginDocument, { login: 'carol', password: 'whatever-1' });
    expect(codes(unknown)).toEqual(['UNAUTHENTICATED']);
    expect(unknown.errors![0].message).toBe(wrong.errors![0].message);
    expect(unknown.status).toBe(wrong.status);
  });

  it('refuses a deactivated user even with the right password', async () => {
    const dave = await createUser('dave');
    await gw.gql(SetUserActiveDocument, { id: dave.id, active: false }, { token: await gw.adminToken() });
    const res = await gw.gql(LoginDocument, { login: 'dave', password: 'alice-password' });
    expect(codes(res)).toEqual(['FORBIDDEN']);
    expect(res.data).toBeNull();
  });

  it('names the empty field', async () => {
    const res = await gw.gql(LoginDocument, { login: ' ', password: 'x' });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe('login');
  });
});

describe('throttling', () => {
  it('throttles repeated failures for one login, whether or not it exists, and lets others through', async () => {
    await createUser('erin');
    for (const login of ['erin', 'ghost']) {
      for (let i = 0; i < 3; i++) {
        expect(codes(await gw.gql(LoginDocument, { login, password: 'wrong-password' }))).toEqual(['UNAUTHENTICATED']);
      }
      // Past the limit even the right password is refused, and the answer is the same for both logins.
      const blocked = await gw.gql(LoginDocument, { login, password: 'alice-password' });
      expect(codes(blocked)).toEqual(['RATE_LIMITED']);
      expect(blocked.errors![0].extensions!.retryAfter).toBeGreaterThan(0);
    }
    await createUser('frank');
    expect((await gw.gql(LoginDocument, { login: 'frank', password: 'alice-password' })).errors).toBeUndefined();
  });

  it('throttles one address trying many logins', async () => {
    await createUser('gina');
    for (let i = 0; i < 8; i++) {
      expect(codes(await gw.gql(LoginDocument, { login: `spray${i}`, password: 'wrong-password' }))).toEqual(['UNAUTHENTICATED']);
    }
    expect(codes(await gw.gql(LoginDocument, { login: 'gina', password: 'alice-password' }))).toEqual(['RATE_LIMITED']);
  });

  it('clears the per-login count on success', async () => {
    await createUser('hank');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) await gw.gql(LoginDocument, { login: 'hank', password: 'wrong-password' });
      expect((await gw.gql(LoginDocument, { login: 'hank', password: 'alice-password' })).errors).toBeUndefined();
    }
  });
});

describe('sessions', () => {
  it('logout revokes the token', async () => {
    await createUser('ivan');
    const token = await gw.login('ivan', 'alice-password');
    expect((await gw.gql(LogoutDocument, {}, { token })).data!.logout).toBe(true);
    const after = await gw.gql(ViewerDocument, {}, { token });
    expect(after.status).toBe(401);
    expect(codes(after)).toEqual(['UNAUTHENTICATED']);
  });

  it('an expired token is refused', async () => {
    await createUser('judy');
    const token = await gw.login('judy', 'alice-password');
    expect((await gw.gql(ViewerDocument, {}, { token })).data!.viewer!.username).toBe('judy');
    await gw.store.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) });
    // Written behind the gateway's back, as time would: seen once the looked-up session runs out.
    await pause(SESSION_CACHE_MS + 100);
    expect(codes(await gw.gql(ViewerDocument, {}, { token }))).toEqual(['UNAUTHENTICATED']);
  });

  it('a session ended on this gateway stops at once, though its look-up is reused (SESSION_CACHE_MS)', async () => {
    const nina = await createUser('nina');
    for (const end of ['logout', 'deactivate', 'changePassword'] as const) {
      if (end === 'changePassword') await gw.gql(SetUserActiveDocument, { id: nina.id, active: true }, { token: await gw.adminToken() });
      const token = await gw.login('nina', 'alice-password');
      const other = await gw.login('nina', 'alice-password');
      // Both looked up, so both reused from here on.
      expect((await gw.gql(ViewerDocument, {}, { token })).data!.viewer!.username).toBe('nina');
      expect((await gw.gql(ViewerDocument, {}, { token: other })).data!.viewer!.username).toBe('nina');
      if (end === 'logout') expect((await gw.gql(LogoutDocument, {}, { token: other })).data!.logout).toBe(true);
      if (end === 'deactivate') await gw.gql(SetUserActiveDocument, { id: nina.id, active: false }, { token: await gw.adminToken() });
      if (end === 'changePassword') {
        const res = await gw.gql(ChangePasswordDocument, { oldPassword: 'alice-password', newPassword: 'nina-password-2', confirmPassword: 'nina-password-2' }, { token });
        expect(res.errors).toBeUndefined();
      }
      expect({ end, codes: codes(await gw.gql(ViewerDocument, {}, { token: other })) }).toEqual({ end, codes: ['UNAUTHENTICATED'] });
      if (end === 'changePassword') expect((await gw.gql(ViewerDocument, {}, { token })).data!.viewer!.username).toBe('nina');
    }
  });

  it('a session ended elsewhere (another replica, the database) stops within SESSION_CACHE_MS', async () => {
    await createUser('olga');
    const token = await gw.login('olga', 'alice-password');
    expect((await gw.gql(ViewerDocument, {}, { token })).data!.viewer!.username).toBe('olga');
    const revoked = Date.now();
    await gw.store.db.update(sessions).set({ revokedAt: new Date() });
    let refusedAfter: number | null = null;
    while (refusedAfter === null && Date.now() - revoked < SESSION_CACHE_MS * 3) {
      const res = await gw.gql(ViewerDocument, {}, { token });
      if (res.status === 401) refusedAfter = Date.now() - revoked;
      else await pause(50);
    }
    expect(refusedAfter).not.toBeNull();
    expect(refusedAfter!).toBeLessThanOrEqual(SESSION_CACHE_MS + 500);
  });

  it('a forged or malformed token is refused, not treated as anonymous', async () => {
    for (const authorization of ['Bearer ecs_s_forged', 'Bearer', 'Basic abc', 'Bearer a b']) {
      const res = await gw.gql(ViewerDocument, {}, { headers: { authorization } });
      expect(res.status).toBe(401);
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    }
    // No credential at all is anonymous: the viewer is null.
    const anonymous = await gw.gql(ViewerDocument, {});
    expect(anonymous.data!.viewer).toBeNull();
  });

  it('deactivating a user ends its sessions at once', async () => {
    const kim = await createUser('kim');
    const token = await gw.login('kim', 'alice-password');
    await gw.gql(SetUserActiveDocument, { id: kim.id, active: false }, { token: await gw.adminToken() });
    expect(codes(await gw.gql(ViewerDocument, {}, { token }))).toEqual(['UNAUTHENTICATED']);
    const live = await gw.store.db.select().from(sessions).where(eq(sessions.userId, (await gw.store.db.select().from(users).where(eq(users.username, 'kim')))[0].id));
    expect(live.every((s) => s.revokedAt !== null)).toBe(true);
  });
});

describe('changePassword', () => {
  it('changes the password and ends every other session, keeping the current one', async () => {
    await createUser('leo');
    const current = await gw.login('leo', 'alice-password');
    const other = await gw.login('leo', 'alice-password');
    const res = await gw.gql(ChangePasswordDocument, { oldPassword: 'alice-password', newPassword: 'new-password-9', confirmPassword: 'new-password-9' }, { token: current });
    expect(res.errors).toBeUndefined();
    expect((await gw.gql(ViewerDocument, {}, { token: current })).data!.viewer!.username).toBe('leo');
    expect(codes(await gw.gql(ViewerDocument, {}, { token: other }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gw.gql(LoginDocument, { login: 'leo', password: 'alice-password' }))).toEqual(['UNAUTHENTICATED']);
    expect((await gw.gql(LoginDocument, { login: 'leo', password: 'new-password-9' })).errors).toBeUndefined();
  });

  it.each([
    ['confirmPassword', { oldPassword: 'alice-password', newPassword: 'new-password-9', confirmPassword: 'new-password-8' }],
    ['oldPassword', { oldPassword: 'not-the-password', newPassword: 'new-password-9', confirmPassword: 'new-password-9' }],
    ['newPassword', { oldPassword: 'alice-password', newPassword: 'short', confirmPassword: 'short' }],
    ['newPassword', { oldPassword: 'alice-password', newPassword: 'alice-password', confirmPassword: 'alice-password' }],
  ])('names %s when it is wrong, and changes nothing', async (field, vars) => {
    await createUser('mia');
    const token = await gw.login('mia', 'alice-password');
    const before = (await gw.store.db.select().from(users).where(eq(users.username, 'mia')))[0].passwordHash;
    const res = await gw.gql(ChangePasswordDocument, vars, { token });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe(field);
    const after = (await gw.store.db.select().from(users).where(eq(users.username, 'mia')))[0].passwordHash;
    expect(after).toBe(before);
    expect((await gw.gql(ViewerDocument, {}, { token })).data!.viewer).not.toBeNull();
  });

  it('needs a session', async () => {
    const res = await gw.gql(ChangePasswordDocument, { oldPassword: 'a', newPassword: 'new-password-9', confirmPassword: 'new-password-9' });
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('legacy Django hashes', () => {
  it('signs in with the old password and re-hashes it with scrypt', async () => {
    const legacy = await djangoPbkdf2Hash('portal-pass', 'Zm9vYmFyc2FsdA', 20000);
    const [row] = await gw.store.db.insert(users).values({ username: 'olduser', passwordHash: legacy }).returning();
    expect(codes(await gw.gql(LoginDocument, { login: 'olduser', password: 'wrong-pass' }))).toEqual(['UNAUTHENTICATED']);
    expect((await gw.store.db.select().from(users).where(eq(users.id, row.id)))[0].passwordHash).toBe(legacy);

    const res = await gw.gql(LoginDocument, { login: 'olduser', password: 'portal-pass' });
    expect(res.errors).toBeUndefined();
    const rehashed = (await gw.store.db.select().from(users).where(eq(users.id, row.id)))[0].passwordHash;
    expect(rehashed).toMatch(/^scrypt\$/);
    expect((await gw.gql(LoginDocument, { login: 'olduser', password: 'portal-pass' })).errors).toBeUndefined();
  });
});
