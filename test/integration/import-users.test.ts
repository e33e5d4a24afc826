import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/processes';
import { eq, isNotNull } from 'drizzle-orm';
import { LoginDocument } from '../../operations/generated/graphql';
import { importUsers } from '../../src/graph/user/user.import';
import { djangoPbkdf2Hash, PasswordHasher } from '../../src/security/passwords';
import { users, type UserRow } from '../../src/store/schema';
import { codes, useGateway } from '../support/app';

const gw = useGateway();

// ---------------------------------------------------------------------------------------------
// A portal export as the old user centre sent it: mixed snake/camel case, numbers and strings
// for the same kind of field, empty strings for missing values.

const PASSWORDS = { zhangwei: 'zhangwei-portal-1', lina: 'lina-portal-22', wangfang: 'wangfang-portal-3', ops: 'ops-portal-444' };
type Name = keyof typeof PASSWORDS;
const hashes = {} as Record<Name, string>;

beforeAll(async () => {
  for (const name of Object.keys(PASSWORDS) as Name[]) hashes[name] = await djangoPbkdf2Hash(PASSWORDS[name], `salt${name}X9`, 20_000);
});

type PortalRecord = Record<string, unknown>;

function portalUsers(): PortalRecord[] {
  return [
    {
      username: 'zhangwei',
      password: hashes.zhangwei,
      mobile: '13800138000',
      email: 'ZhangWei@Example.cn',
      ct_user_id: 'bac_155dd963',
      ct_account_id: 'acc_1001',
      loginName: 'zhangwei',
      loginEmail: 'zhangwei@example.cn',
      rootUserid: '1000',
      createDate: 1513579666000,
      accountType: 1,
      status: '1',
      province: '北京',
      city: '北京',
      county: '朝阳区',
      mobilephone: '010-88886666',
      channel: 'web',
      userLevel: 3,
      messageFlag: 1,
      emailFlag: '0',
      auditStatus: 2,
      postpaid: false,
      fkRootUserid: '',
    },
    {
      username: 'lina',
      password: hashes.lina,
      mobile: '',
      email: '',
      ct_user_id: 20417,
      ct_account_id: 30417,
      loginName: 'lina',
      createDate: '1546300800000',
      accountType: '2',
      status: 1,
      city: 'Hangzhou',
      messageFlag: 'true',
      emailFlag: true,
      postpaid: '1',
      is_active: 1,
    },
    {
      username: 'wangfang',
      password: hashes.wangfang,
      email: 'wangfang@example.cn',
      ct_user_id: 'bac_9f00aa01',
      createDate: 1420070400000,
      deleted: 1,
    },
    {
      username: 'ops',
      password: hashes.ops,
      email: 'ops@example.cn',
      ct_user_id: 'bac_0000ops',
      is_superuser: true,
      is_active: '0',
    },
  ];
}

const imported = () => gw.store.db.select().from(users).where(isNotNull(users.ctUserId));

async function byCtUserId(ctUserId: string): Promise<UserRow> {
  const [row] = await gw.store.db.select().from(users).where(eq(users.ctUserId, ctUserId));
  return row;
}

async function importOk(records: unknown) {
  const report = await importUsers({ db: gw.store.db }, records);
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
  return report;
}

// ---------------------------------------------------------------------------------------------

describe('importUsers', () => {
  it('creates every user with its Django hash and its portal profile', async () => {
    const report = await importOk(portalUsers());
    expect(report).toEqual({ ok: true, total: 4, created: 4, updated: 0, unchanged: 0, problems: [] });

    const zhang = await byCtUserId('bac_155dd963');
    expect(zhang).toMatchObject({
      username: 'zhangwei',
      email: 'zhangwei@example.cn',
      mobile: '13800138000',
      passwordHash: hashes.zhangwei,
      role: 'USER',
      active: true,
      deletedAt: null,
      ctAccountId: 'acc_1001',
      loginName: 'zhangwei',
      loginEmail: 'zhangwei@example.cn',
      rootUserId: '1000',
      fkRootUserId: null,
      accountType: '1',
      portalStatus: '1',
      province: '北京',
      city: '北京',
      county: '朝阳区',
      mobilePhone: '010-88886666',
      channel: 'web',
      userLevel: '3',
      messageFlag: true,
      emailFlag: false,
      auditStatus: '2',
      postpaid: false,
    });
    expect(zhang.portalCreatedAt).toEqual(new Date(1513579666000));

    // Numbers become text, numeric strings become dates, empty strings become null.
    const lina = await byCtUserId('20417');
    expect(lina).toMatchObject({
      ctAccountId: '30417',
      email: null,
      mobile: null,
      accountType: '2',
      portalStatus: '1',
      messageFlag: true,
      emailFlag: true,
      postpaid: true,
      active: true,
      province: null,
    });
    expect(lina.portalCreatedAt).toEqual(new Date(1546300800000));

    expect(await byCtUserId('bac_0000ops')).toMatchObject({ role: 'ADMIN', active: false, deletedAt: null });
  });

  it('lets an imported user sign in with the old password, then keeps the new scrypt hash on re-import', async () => {
    await importOk(portalUsers());
    await gw.login('zhangwei', PASSWORDS.zhangwei);
    const rehashed = (await byCtUserId('bac_155dd963')).passwordHash;
    expect(rehashed).toMatch(/^scrypt\$/);

    const again = await importOk(portalUsers());
    expect(again).toMatchObject({ total: 4, created: 0, updated: 0, unchanged: 4 });
    expect((await byCtUserId('bac_155dd963')).passwordHash).toBe(rehashed);
    // Still the old password, now checked against the scrypt hash; by e-mail too.
    await gw.login('zhangwei@example.cn', PASSWORDS.zhangwei);
    expect(codes(await gw.gql(LoginDocument, { login: 'zhangwei', password: 'wrong-password' }))).toEqual(['UNAUTHENTICATED']);
  });

  it('changes nothing at all when the same file is imported twice', async () => {
    await importOk(portalUsers());
    const before = await imported();
    expect(await importOk(portalUsers())).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
    expect(await imported()).toEqual(before);
  });

  it('updates changed fields, leaves fields the record omits, and never replaces the password hash', async () => {
    await importOk(portalUsers());
    const before = await byCtUserId('bac_155dd963');
    const file = portalUsers();
    const { province: _omitted, ...zhang } = file[0];
    file[0] = {
      ...zhang,
      username: 'zhang.wei',
      email: 'zw@example.cn',
      mobile: null,
      ct_account_id: 'acc_2002',
      city: '上海',
      messageFlag: 0,
      createDate: 1600000000000,
      password: await djangoPbkdf2Hash('changed-on-the-portal', 'othersalt', 20_000),
    };

    const report = await importOk(file);
    expect(report).toMatchObject({ created: 0, updated: 1, unchanged: 3 });
    const after = await byCtUserId('bac_155dd963');
    expect(after).toMatchObject({
      id: before.id,
      username: 'zhang.wei',
      email: 'zw@example.cn',
      mobile: null,
      ctAccountId: 'acc_2002',
      city: '上海',
      messageFlag: false,
      province: '北京',
      passwordHash: hashes.zhangwei,
    });
    expect(after.portalCreatedAt).toEqual(new Date(1600000000000));
    expect(after.updatedAt.getTime()).toBeGreaterThanOrEqual(before.updatedAt.getTime());
    await gw.login('zhang.wei', PASSWORDS.zhangwei);
  });

  it('accepts an ecsgraph scrypt hash too (a file exported from ecsgraph)', async () => {
    const hash = await new PasswordHasher({ logN: 10 }).hash('scrypt-user-pass');
    await importOk([{ username: 'scrypty', password: hash, ct_user_id: 'bac_scrypt' }]);
    expect((await byCtUserId('bac_scrypt')).passwordHash).toBe(hash);
    await gw.login('scrypty', 'scrypt-user-pass');
  });

  it('imports nothing when any record is invalid, naming each record and portal field', async () => {
    const file: unknown[] = [
      ...portalUsers(),
      {
        username: 'bad user',
        password: 'plain-text-secret',
        email: 'not-an-email',
        mobile: 'call me',
        ct_user_id: 'bac_bad',
        createDate: 'yesterday',
        messageFlag: 2,
        role: 'owner',
      },
      { username: 'nohash', ct_user_id: '' },
      { username: 'shortkey', password: 'pbkdf2_sha256$20000$salt$c2hvcnQ=', ct_user_id: 'bac_short' },
      'not a record',
    ];
    const report = await importUsers({ db: gw.store.db }, file);
    expect(report.ok).toBe(false);
    expect(report).toMatchObject({ total: 8, created: 0, updated: 0, unchanged: 0 });
    expect(report.problems).toEqual([
      'records[4].username: only letters, digits and @ . + - _',
      expect.stringMatching(/^records\[4\]\.password: expected a Django hash/),
      'records[4].email: not an e-mail address',
      'records[4].mobile: not a phone number',
      expect.stringMatching(/^records\[4\]\.createDate: expected milliseconds since 1970/),
      'records[4].messageFlag: expected 0, 1, true or false',
      'records[4].role: expected ADMIN or USER',
      'records[5].password: required',
      'records[5].ct_user_id: required',
      expect.stringMatching(/^records\[6\]\.password: expected a Django hash/),
      expect.stringMatching(/^records\[7\]: /),
    ]);
    expect(await imported()).toEqual([]);
    expect(JSON.stringify(report)).not.toContain('plain-text-secret');
  });

  it('refuses duplicates inside the file: the same ct_user_id, or the same username in any case', async () => {
    const file = portalUsers();
    file.push({ ...file[1], username: 'lina2', email: 'lina2@example.cn', ct_account_id: null });
    file.push({ ...file[0], username: 'ZHANGWEI', email: 'other@example.cn', ct_user_id: 'bac_other', ct_account_id: null });
    file.push({ ...file[0] }); // repeated whole: one problem, not one per unique field
    const report = await importUsers({ db: gw.store.db }, file);
    expect(report.problems).toEqual([
      'records[4].ct_user_id: same as records[1]',
      'records[5].username: same as records[0] (ignoring case)',
      'records[6].ct_user_id: same as records[0]',
    ]);
    expect(await imported()).toEqual([]);
  });

  it('refuses a username or e-mail held by a different existing user, and imports nothing', async () => {
    await importOk(portalUsers().slice(0, 1));
    const file = portalUsers();
    file[1] = { ...file[1], username: 'Root' }; // the administrator made by the gateway
    file[3] = { ...file[3], email: 'ZHANGWEI@example.cn' };
    const report = await importUsers({ db: gw.store.db }, file);
    expect(report.problems).toEqual([
      'records[1].username: is already used by another user (root)',
      'records[3].email: same as records[0] (ignoring case)',
      'records[3].email: is already used by another user (zhangwei)',
    ]);
    expect((await imported()).map((u) => u.username)).toEqual(['zhangwei']);

    // The same e-mail on a user outside the file is a clash with the database.
    const single = [{ ...portalUsers()[3], email: 'zhangwei@example.cn' }];
    expect((await importUsers({ db: gw.store.db }, single)).problems).toEqual([
      'records[0].email: is already used by another user (zhangwei)',
    ]);
  });

  it('accepts the portal envelope, with results as a list or as {users: [...]}', async () => {
    const envelope = { msg: 'success', errstatus: 0, errcode: 0, results: portalUsers().slice(0, 2) };
    expect(await importOk(envelope)).toMatchObject({ total: 2, created: 2 });
    const nested = { msg: 'success', errstatus: '0', errcode: '0', results: { count: 4, users: portalUsers() } };
    expect(await importOk(nested)).toMatchObject({ total: 4, created: 2, unchanged: 2 });
  });

  it('refuses an envelope carrying a portal error, and anything that is not a list of users', async () => {
    const error = await importUsers({ db: gw.store.db }, { msg: 'token expired', errstatus: 1, errcode: 401, results: [] });
    expect(error).toMatchObject({ ok: false, problems: ['errcode: the portal answered with error 401: token expired'] });
    for (const input of [null, 'users', { results: 'none' }, 42]) {
      const report = await importUsers({ db: gw.store.db }, input);
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual([expect.stringContaining('expected an array of users')]);
    }
  });

  it('imports deleted records as deleted: kept, inactive, unable to sign in, and never undeleted', async () => {
    const file = portalUsers();
    // Deleted rows do not hold their username: a live user may already have it.
    file[2] = { ...file[2], username: 'root' };
    file.push({ username: 'gone', password: hashes.lina, ct_user_id: 'bac_gone', removed: '2019-03-01T00:00:00Z' });
    await importOk(file);
    for (const ctUserId of ['bac_9f00aa01', 'bac_gone']) {
      const row = await byCtUserId(ctUserId);
      expect(row.deletedAt).toBeInstanceOf(Date);
      expect(row.active).toBe(false);
    }
    expect(codes(await gw.gql(LoginDocument, { login: 'gone', password: PASSWORDS.lina }))).toEqual(['UNAUTHENTICATED']);

    const live = portalUsers().map((r) => ({ ...r, deleted: 0 }));
    expect(await importOk(live)).toMatchObject({ updated: 1, unchanged: 3 }); // only the username moved back
    expect((await byCtUserId('bac_9f00aa01')).deletedAt).toBeInstanceOf(Date);
  });
});

// ---------------------------------------------------------------------------------------------

describe('npm run import:users', () => {
  const root = path.resolve(__dirname, '..', '..');
  const cli = path.join(root, 'dist', 'cli', 'import-users.js');
  let dir: string;

  // dist/ is built once per run by test/global-setup.ts.
  beforeAll(() => {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: the global set-up did not build`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsgraph-import-'));
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (args: string[]) => runCli(cli, args, { dataDir: path.join(dir, 'data'), cwd: dir });

  const write = (name: string, content: unknown) => {
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return name;
  };

  const noHashes = (text: string) => {
    for (const hash of Object.values(hashes)) expect(text).not.toContain(hash);
    expect(text).not.toMatch(/pbkdf2_sha256\$\d/);
  };

  it(
    'imports a file, then finds everything unchanged on the second run',
    async () => {
      const file = write('users.json', { msg: 'success', errstatus: 0, errcode: 0, results: portalUsers() });
      const first = await run([file]);
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toBe('users.json: 4 records, 4 created, 0 updated, 0 unchanged\n');
      const second = await run([file]);
      expect(second).toMatchObject({ code: 0, stdout: 'users.json: 4 records, 0 created, 0 updated, 4 unchanged\n' });
      noHashes(first.stdout + first.stderr + second.stdout + second.stderr);
    },
    120_000,
  );

  it(
    'exits 1 listing the problems of a bad file, without printing hashes',
    async () => {
      const records = portalUsers();
      records[1] = { ...records[1], email: 'nope', password: `${hashes.lina}$extra` };
      const result = await run([write('bad.json', records)]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^bad\.json: nothing imported, 2 problems:\n/);
      expect(result.stderr).toContain('records[1].password: expected a Django hash');
      expect(result.stderr).toContain('records[1].email: not an e-mail address');
      noHashes(result.stdout + result.stderr);
    },
    120_000,
  );

  it('exits 2 on a usage error: no file, an unreadable file, or not JSON', async () => {
    const missing = await run([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^usage: /);
    expect((await run(['absent.json'])).code).toBe(2);

    // The parser's message would quote the text around the error: here, a hash.
    const broken = await run([write('broken.json', `[{"password": "${hashes.ops}", }]`)]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^broken\.json is not valid JSON/);
    noHashes(broken.stderr);
  });
});
