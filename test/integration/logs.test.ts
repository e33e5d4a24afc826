import { Writable } from 'node:stream';
import { ChangePasswordDocument, CreateDatacenterDocument, CreateUserDocument, LoginDocument } from '../../operations/generated/graphql';
import { createLogger } from '../../src/logger';
import { ADMIN_PASSWORD, startGateway, type TestGateway } from '../support/app';
import { openTestStore, type TestStore } from '../support/store';

/** Every record the gateway logs, parsed. */
const records: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) records.push(JSON.parse(line));
    done();
  },
});

let store: TestStore;
let gw: TestGateway;

beforeAll(async () => {
  store = await openTestStore();
  gw = await startGateway(store, { LOG_LEVEL: 'trace' }, { logger: createLogger('trace', sink) });
});
afterAll(async () => {
  await gw?.stop();
  await store?.close();
});

test('logs are structured, carry the request id, and never a secret', async () => {
  const secrets = ['dc-Admin-Password-9', 'cs-secret-KEY-7', 'user-Password-8', 'changed-Password-7', ADMIN_PASSWORD];
  const admin = await gw.adminToken();
  await gw.gql(
    CreateDatacenterDocument,
    {
      input: {
        name: 'cs',
        shortName: 'cs',
        kind: 'CLOUDSTACK',
        serviceUrl: 'http://127.0.0.1:8080/client/api',
        adminUser: 'admin',
        password: secrets[0],
        apiKey: 'cs-api-key',
        secretKey: secrets[1],
      },
    },
    { token: admin, headers: { 'x-request-id': 'trace-me-1' } },
  );
  await gw.gql(CreateUserDocument, { input: { username: 'olga', password: secrets[2] } }, { token: admin });
  await gw.gql(LoginDocument, { login: 'olga', password: 'wrong-password' });
  const token = await gw.login('olga', secrets[2]);
  await gw.gql(ChangePasswordDocument, { oldPassword: secrets[2], newPassword: secrets[3], confirmPassword: secrets[3] }, { token });

  // An unexpected failure reaches the client masked, and the log in full, with its request id.
  jest.spyOn(gw.app.deps.userStore, 'byId').mockRejectedValueOnce(new Error('storage exploded'));
  const broken = await gw.gql('{ viewer { username } }', {}, { token: admin, headers: { 'x-request-id': 'will-fail-1' } });
  expect(broken.errors![0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  expect(broken.text).not.toContain('storage exploded');
  const logged = records.find((r) => r.msg === 'unexpected error');
  expect(logged).toMatchObject({ level: 'error', requestId: 'will-fail-1' });
  expect(JSON.stringify(logged)).toContain('storage exploded');

  const operations = records.filter((r) => r.msg === 'graphql');
  expect(operations.length).toBeGreaterThanOrEqual(6);
  for (const record of operations) {
    expect(record).toMatchObject({ level: 'info', name: 'ecsgraph' });
    expect(typeof record.requestId).toBe('string');
    expect(typeof record.durationMs).toBe('number');
  }
  expect(operations.find((r) => r.requestId === 'trace-me-1')).toMatchObject({ operation: 'CreateDatacenter', outcome: 'ok' });
  expect(operations.find((r) => r.operation === 'Login' && r.outcome === 'UNAUTHENTICATED')).toBeDefined();

  const all = JSON.stringify(records);
  for (const secret of [...secrets, token, admin]) expect(all).not.toContain(secret);
});
