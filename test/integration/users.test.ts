import { count, eq } from 'drizzle-orm';
import {
  ActiveUsersDocument,
  AuditLogDocument,
  CreateUserDocument,
  DeleteUserDocument,
  NodeByIdDocument,
  SetUserActiveDocument,
  UpdateUserDocument,
  UserByExternalIdDocument,
  UsersDocument,
  ViewerDocument,
  type CreateUserInput,
} from '../../operations/generated/graphql';
import { auditLog, sessions, users } from '../../src/store/schema';
import { codes, responses, useGateway } from '../support/app';

const gw = useGateway();
let admin: string;
beforeEach(async () => {
  admin = await gw.adminToken();
});

const PASSWORD = 'user-password-1';

async function create(input: Partial<CreateUserInput> & { username: string }) {
  const res = await gw.gql(CreateUserDocument, { input: { password: PASSWORD, ...input } }, { token: admin });
  if (res.errors) throw new Error(res.text);
  return res.data!.createUser;
}

const userCount = async () => (await gw.store.db.select({ n: count() }).from(users))[0].n;

describe('createUser', () => {
  it('creates a user with the portal ids and profile, and audits it without the password', async () => {
    const user = await create({
      username: 'alice',
      email: 'Alice@Example.com',
      mobile: '+86 138-0000-0000',
      ctUserId: 'bac_155dd963',
      ctAccountId: 'acc_77',
      profile: { loginName: 'alice.l', city: 'Hangzhou', province: 'Zhejiang', postpaid: true, status: '1', portalCreatedAt: '2017-12-18T06:47:46.000Z' },
    });
    expect(user).toMatchObject({
      username: 'alice',
      email: 'alice@example.com',
      role: 'USER',
      active: true,
      ctUserId: 'bac_155dd963',
      ctAccountId: 'acc_77',
      deletedAt: null,
      profile: { loginName: 'alice.l', city: 'Hangzhou', province: 'Zhejiang', postpaid: true, status: '1', portalCreatedAt: '2017-12-18T06:47:46.000Z' },
    });
    const [entry] = await gw.store.db.select().from(auditLog).where(eq(auditLog.action, 'createUser'));
    expect(entry).toMatchObject({ outcome: 'SUCCESS', targetId: user.id, targetKind: 'User' });
    expect(JSON.stringify(entry.details)).toContain('alice');
    expect(JSON.stringify(entry.details)).not.toContain(PASSWORD);
    const [row] = await gw.store.db.select().from(users).where(eq(users.username, 'alice'));
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    expect(row.passwordHash).not.toContain(PASSWORD);
  });

  it.each([
    ['input.username', { username: '' }],
    ['input.username', { username: 'has space' }],
    ['input.username', { username: 'x'.repeat(151) }],
    ['input.password', { username: 'bob', password: 'short' }],
    ['input.email', { username: 'bob', email: 'not-an-email' }],
    ['input.mobile', { username: 'bob', mobile: 'call me' }],
    ['input.ctUserId', { username: 'bob', ctUserId: 'has space' }],
    ['input.profile.city', { username: 'bob', profile: { city: 'x'.repeat(65) } }],
  ])('names %s when it is invalid, and writes no user', async (field, input) => {
    const before = await userCount();
    const res = await gw.gql(CreateUserDocument, { input: { password: PASSWORD, ...input } as CreateUserInput }, { token: admin });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe(field);
    expect(res.errors![0].message).toContain(field);
    expect(await userCount()).toBe(before);
    const [entry] = await gw.store.db.select().from(auditLog).where(eq(auditLog.action, 'createUser'));
    expect(entry).toMatchObject({ outcome: 'FAILURE', errorCode: 'BAD_USER_INPUT' });
  });

  it.each([
    ['input.username', { username: 'ALICE' }],
    ['input.email', { username: 'other', email: 'ALICE@example.com' }],
    ['input.ctUserId', { username: 'other', ctUserId: 'ct-1' }],
    ['input.ctAccountId', { username: 'other', ctAccountId: 'acct-1' }],
  ])('refuses a duplicate %s among live users', async (field, input) => {
    await create({ username: 'alice', email: 'alice@example.com', ctUserId: 'ct-1', ctAccountId: 'acct-1' });
    const before = await userCount();
    const res = await gw.gql(CreateUserDocument, { input: { password: PASSWORD, ...input } }, { token: admin });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe(field);
    expect(await userCount()).toBe(before);
  });
});

describe('updateUser', () => {
  it('changes given fields, keeps the others, and null clears an optional field', async () => {
    const user = await create({ username: 'carol', email: 'carol@example.com', mobile: '13800000000', profile: { city: 'A', county: 'B' } });
    const res = await gw.gql(UpdateUserDocument, { id: user.id, input: { email: null, mobile: '13900000000', profile: { city: 'C' } } }, { token: admin });
    expect(res.errors).toBeUndefined();
    expect(res.data!.updateUser).toMatchObject({ username: 'carol', email: null, mobile: '13900000000', profile: { city: 'C' } });
    const [row] = await gw.store.db.select().from(users).where(eq(users.username, 'carol'));
    expect(row.county).toBe('B');
  });

  it('refuses to demote the last administrator', async () => {
    const me = await gw.gql(ViewerDocument, {}, { token: admin });
    const res = await gw.gql(UpdateUserDocument, { id: me.data!.viewer!.id, input: { role: 'USER' } }, { token: admin });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe('input.role');
  });

  it('names a field taken by another user and changes nothing', async () => {
    await create({ username: 'dan', email: 'dan@example.com' });
    const erin = await create({ username: 'erin', email: 'erin@example.com' });
    const res = await gw.gql(UpdateUserDocument, { id: erin.id, input: { username: 'Dan', mobile: '13700000000' } }, { token: admin });
    expect(res.errors![0].extensions!.field).toBe('input.username');
    const [row] = await gw.store.db.select().from(users).where(eq(users.username, 'erin'));
    expect(row.mobile).toBeNull();
  });

  it('answers NOT_FOUND for an unknown or malformed id', async () => {
    for (const id of ['nope', Buffer.from('["User","00000000-0000-0000-0000-000000000000"]').toString('base64url')]) {
      expect(codes(await gw.gql(UpdateUserDocument, { id, input: { mobile: '13700000000' } }, { token: admin }))).toEqual(['NOT_FOUND']);
    }
  });
});

describe('deleteUser and setUserActive', () => {
  it('deletes logically: the row stays, sessions end, the name can be reused', async () => {
    const user = await create({ username: 'frank', ctUserId: 'ct-frank' });
    const token = await gw.login('frank', PASSWORD);
    const res = await gw.gql(DeleteUserDocument, { id: user.id }, { token: admin });
    expect(res.data!.deleteUser.deletedAt).not.toBeNull();
    expect(res.data!.deleteUser.active).toBe(false);
    const rows = await gw.store.db.select().from(users).where(eq(users.username, 'frank'));
    expect(rows).toHaveLength(1);
    expect(rows[0].deletedAt).not.toBeNull();
    expect(codes(await gw.gql(ViewerDocument, {}, { token }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gw.gql(UserByExternalIdDocument, { ctUserId: 'ct-frank' }, { token: admin }))).toEqual([]);
    expect((await gw.gql(UserByExternalIdDocument, { ctUserId: 'ct-frank' }, { token: admin })).data!.user).toBeNull();

    const listed = await gw.gql(UsersDocument, { search: 'frank' }, { token: admin });
    expect(listed.data!.users.totalCount).toBe(0);
    const withDeleted = await gw.gql(UsersDocument, { search: 'frank', includeDeleted: true }, { token: admin });
    expect(withDeleted.data!.users.nodes.map((u) => u.username)).toEqual(['frank']);

    await create({ username: 'frank', ctUserId: 'ct-frank' });
    expect((await gw.store.db.select().from(users).where(eq(users.username, 'frank'))).length).toBe(2);
  });

  it('an administrator cannot delete or deactivate itself', async () => {
    const me = (await gw.gql(ViewerDocument, {}, { token: admin })).data!.viewer!;
    expect((await gw.gql(DeleteUserDocument, { id: me.id }, { token: admin })).errors![0].extensions!.field).toBe('id');
    expect((await gw.gql(SetUserActiveDocument, { id: me.id, active: false }, { token: admin })).errors![0].extensions!.field).toBe('active');
  });

  it('deactivates and reactivates', async () => {
    const user = await create({ username: 'gina' });
    const off = await gw.gql(SetUserActiveDocument, { id: user.id, active: false }, { token: admin });
    expect(off.data!.setUserActive.active).toBe(false);
    expect(codes(await gw.gql('mutation { login(login: "gina", password: "user-password-1") { token } }'))).toEqual(['FORBIDDEN']);
    const on = await gw.gql(SetUserActiveDocument, { id: user.id, active: true }, { token: admin });
    expect(on.data!.setUserActive.active).toBe(true);
    await expect(gw.login('gina', PASSWORD)).resolves.toMatch(/^ecs_s_/);
  });
});

describe('users, user, activeUsers', () => {
  it('pages through every user exactly once, newest first, with a total', async () => {
    for (let i = 0; i < 23; i++) await create({ username: `member${String(i).padStart(2, '0')}` });
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res: Awaited<ReturnType<typeof gw.gql<import('../../operations/generated/graphql').UsersQuery, unknown>>> = await gw.gql(
        UsersDocument,
        { first: 10, after },
        { token: admin },
      );
      expect(res.data!.users.totalCount).toBe(24);
      seen.push(...res.data!.users.nodes.map((u) => u.username));
      if (!res.data!.users.pageInfo.hasNextPage) break;
      after = res.data!.users.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(24);
    expect(new Set(seen).size).toBe(24);
    expect(seen[0]).toBe('member22');
  });

  it('searches username, e-mail and portal ids, ignoring case, and escapes wildcards', async () => {
    await create({ username: 'alice', email: 'a@corp.example' });
    await create({ username: 'malik', ctUserId: 'bac_XYZ' });
    await create({ username: 'bob_ross' });
    await create({ username: 'bobxross' });
    const names = async (search: string) =>
      (await gw.gql(UsersDocument, { search }, { token: admin })).data!.users.nodes.map((u) => u.username).sort();
    expect(await names('ALI')).toEqual(['alice', 'malik']);
    expect(await names('corp.example')).toEqual(['alice']);
    expect(await names('xyz')).toEqual(['malik']);
    expect(await names('b_r')).toEqual(['bob_ross']);
  });

  it('filters by role and active', async () => {
    const u = await create({ username: 'hank' });
    await gw.gql(SetUserActiveDocument, { id: u.id, active: false }, { token: admin });
    const admins = await gw.gql(UsersDocument, { role: 'ADMIN' }, { token: admin });
    expect(admins.data!.users.nodes.map((n) => n.username)).toEqual(['root']);
    const inactive = await gw.gql(UsersDocument, { active: false }, { token: admin });
    expect(inactive.data!.users.nodes.map((n) => n.username)).toEqual(['hank']);
  });

  it('names first and after when they are out of bounds or forged', async () => {
    for (const [vars, field] of [
      [{ first: 101 }, 'first'],
      [{ first: 0 }, 'first'],
      [{ after: 'garbage' }, 'after'],
    ] as const) {
      const res = await gw.gql(UsersDocument, vars, { token: admin });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.field).toBe(field);
    }
  });

  it('finds a user by ctUserId or ctAccountId, and wants exactly one key', async () => {
    const user = await create({ username: 'ivy', ctUserId: 'u-ivy', ctAccountId: 'a-ivy' });
    expect((await gw.gql(UserByExternalIdDocument, { ctUserId: 'u-ivy' }, { token: admin })).data!.user!.id).toBe(user.id);
    expect((await gw.gql(UserByExternalIdDocument, { ctAccountId: 'a-ivy' }, { token: admin })).data!.user!.id).toBe(user.id);
    expect((await gw.gql(UserByExternalIdDocument, { id: user.id }, { token: admin })).data!.user!.username).toBe('ivy');
    expect(codes(await gw.gql(UserByExternalIdDocument, { ctUserId: 'u-ivy', ctAccountId: 'a-ivy' }, { token: admin }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gw.gql(UserByExternalIdDocument, {}, { token: admin }))).toEqual(['BAD_USER_INPUT']);
  });

  it('lists users signed in within the window', async () => {
    await create({ username: 'jack' });
    await create({ username: 'kate' });
    await gw.login('jack', PASSWORD);
    const kateToken = await gw.login('kate', PASSWORD);
    await gw.gql('mutation { logout }', {}, { token: kateToken });
    const res = await gw.gql(ActiveUsersDocument, {}, { token: admin });
    expect(res.data!.activeUsers.map((u) => u.username).sort()).toEqual(['jack', 'root']);
    await gw.store.db.update(sessions).set({ lastSeenAt: new Date(Date.now() - 3600_000) });
    const later = await gw.gql(ActiveUsersDocument, {}, { token: admin });
    // Only the admin's own request since then counts (its session is touched at most once a minute).
    expect(later.data!.activeUsers.map((u) => u.username)).not.toContain('jack');
  });
});

describe('a USER', () => {
  let userToken: string;
  let other: { id: string };
  let self: { id: string };
  beforeEach(async () => {
    self = await create({ username: 'lena' });
    other = await create({ username: 'mark' });
    userToken = await gw.login('lena', PASSWORD);
  });

  it('cannot call any admin mutation, and nothing changes', async () => {
    const before = await gw.store.db.select().from(users).orderBy(users.username);
    const attempts = [
      gw.gql(CreateUserDocument, { input: { username: 'evil', password: PASSWORD, role: 'ADMIN' } }, { token: userToken }),
      gw.gql(UpdateUserDocument, { id: self.id, input: { role: 'ADMIN' } }, { token: userToken }),
      gw.gql(UpdateUserDocument, { id: other.id, input: { mobile: '13000000000' } }, { token: userToken }),
      gw.gql(DeleteUserDocument, { id: other.id }, { token: userToken }),
      gw.gql(SetUserActiveDocument, { id: other.id, active: false }, { token: userToken }),
    ];
    for (const res of await Promise.all(attempts)) expect(codes(res)).toEqual(['FORBIDDEN']);
    expect(await gw.store.db.select().from(users).orderBy(users.username)).toEqual(before);
    const refused = await gw.store.db.select().from(auditLog).where(eq(auditLog.errorCode, 'FORBIDDEN'));
    expect(refused).toHaveLength(5);
  });

  it('cannot list or read other users; node(id) of another user answers NOT_FOUND', async () => {
    expect(codes(await gw.gql(UsersDocument, {}, { token: userToken }))).toEqual(['FORBIDDEN']);
    expect(codes(await gw.gql(UserByExternalIdDocument, { id: other.id }, { token: userToken }))).toEqual(['FORBIDDEN']);
    expect(codes(await gw.gql(ActiveUsersDocument, {}, { token: userToken }))).toEqual(['FORBIDDEN']);
    expect(codes(await gw.gql(AuditLogDocument, {}, { token: userToken }))).toEqual(['FORBIDDEN']);
    expect(codes(await gw.gql(NodeByIdDocument, { id: other.id }, { token: userToken }))).toEqual(['NOT_FOUND']);
    const mine = await gw.gql(NodeByIdDocument, { id: self.id }, { token: userToken });
    expect(mine.data!.node).toEqual({ id: self.id, __typename: 'User' });
  });

  it('an anonymous caller is asked to sign in', async () => {
    expect(codes(await gw.gql(UsersDocument, {}))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gw.gql(CreateUserDocument, { input: { username: 'x', password: PASSWORD } }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gw.gql(NodeByIdDocument, { id: self.id }))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('auditLog', () => {
  it('records who did what to which object, with the request id, newest first, filterable by actor', async () => {
    const user = await create({ username: 'nina' });
    await gw.gql(UpdateUserDocument, { id: user.id, input: { mobile: 'bad' } }, { token: admin, headers: { 'x-request-id': 'req-123' } });
    const ninaToken = await gw.login('nina', PASSWORD);
    await gw.gql('mutation { logout }', {}, { token: ninaToken });

    const res = await gw.gql(AuditLogDocument, { first: 10 }, { token: admin });
    const entries = res.data!.auditLog.nodes;
    expect(entries.map((e) => [e.action, e.outcome])).toEqual([
      ['logout', 'SUCCESS'],
      ['login', 'SUCCESS'],
      ['updateUser', 'FAILURE'],
      ['createUser', 'SUCCESS'],
      ['login', 'SUCCESS'],
    ]);
    expect(entries[2]).toMatchObject({ requestId: 'req-123', targetId: user.id, errorCode: 'BAD_USER_INPUT', actor: { username: 'root' } });
    expect(entries[0].actor!.username).toBe('nina');
    expect(JSON.stringify(entries)).not.toContain(PASSWORD);

    expect(entries[1].actor!.username).toBe('nina');
    const nina = await gw.gql(AuditLogDocument, { userId: user.id }, { token: admin });
    expect(nina.data!.auditLog.nodes.map((e) => e.action)).toEqual(['logout', 'login']);
  });
});

test('no response of this file carried a password or a password hash', () => {
  // Runs last (jest keeps the order of definition), so it sees every response above.
  expect(responses.length).toBeGreaterThan(100);
  const all = responses.join('\n');
  expect(all).not.toContain(PASSWORD);
  expect(all).not.toMatch(/scrypt\$|pbkdf2_sha256\$/);
});
