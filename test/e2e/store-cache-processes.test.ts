import { eq } from 'drizzle-orm';
import { localId } from '../../src/graph/node/global-id';
import { datacenters } from '../../src/store/schema';
import { ADMIN_LOGIN, ADMIN_PASSWORD } from '../support/app';
import { useGatewayProcesses } from '../support/gateways';
import { serviceUrl } from '../support/services';

/*
 * Two real gateway processes (dist/main.js) on one Postgres database and one Redis, each
 * keeping datacenter rows for a minute (STORE_CACHE_MS): a change made through one is seen
 * by the other at once, because the writer tells every process to forget the row.
 */

async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

(serviceUrl('postgres') && serviceUrl('redis') ? describe : describe.skip)('datacenter rows kept by two gateways', () => {
  const gateways = useGatewayProcesses({ STORE_CACHE_MS: '60000' });

  test('a rename on one gateway is read by the other at once; a row changed behind their backs is not, until they forget it', async () => {
    const [a, b] = gateways.urls;
    const login = 'mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }';
    const token = (await gql(a, login, { l: ADMIN_LOGIN, p: ADMIN_PASSWORD })).login.token as string;
    const { createDatacenter } = await gql(
      a,
      'mutation($input: CreateDatacenterInput!) { createDatacenter(input: $input) { id name } }',
      { input: { name: 'first name', shortName: 'dc-cache', kind: 'OPENSTACK', serviceUrl: 'http://127.0.0.1:1/identity/v3', adminUser: 'admin', password: 'dc-secret' } },
      token,
    );
    const nameOn = async (url: string) => (await gql(url, 'query($id: ID!) { datacenter(id: $id) { name } }', { id: createDatacenter.id }, token)).datacenter.name as string;
    expect(await nameOn(a)).toBe('first name');
    expect(await nameOn(b)).toBe('first name');

    // Behind the gateways' backs: both keep answering what they read.
    await gateways.store.db.update(datacenters).set({ name: 'written by a script' }).where(eq(datacenters.id, localId(createDatacenter.id, 'Datacenter')));
    expect(await nameOn(a)).toBe('first name');
    expect(await nameOn(b)).toBe('first name');

    // Through gateway A: B forgets its copy as soon as A's word arrives, long before a minute.
    const renamed = await gql(a, 'mutation($id: ID!, $input: UpdateDatacenterInput!) { updateDatacenter(id: $id, input: $input) { name } }', { id: createDatacenter.id, input: { name: 'second name' } }, token);
    expect(renamed.updateDatacenter.name).toBe('second name');
    expect(await nameOn(a)).toBe('second name');
    const deadline = Date.now() + 2000;
    let onB = await nameOn(b);
    while (onB !== 'second name' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      onB = await nameOn(b);
    }
    expect(onB).toBe('second name');
  });
});
