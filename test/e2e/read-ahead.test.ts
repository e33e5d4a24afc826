import { bootInstance, CLOUDS, CONSOLE_QUERY, useCloudGateway } from '../support/cloud';

/*
 * A query's cloud reads start as soon as it reaches its tenancies: what it selects below them
 * is known from the document, so the reads of the deeper levels (subnets, instances, their
 * disks, addresses and firewalls) do not wait for the levels above to answer, and each is
 * still made once.
 */

const f = useCloudGateway();
/** Longer than the gateway takes to send a query's reads, by far: until then, no read has answered. */
const LATENCY_MS = 2500;

beforeAll(async () => {
  for (const cloud of CLOUDS) await bootInstance(f, f.alice, cloud);
});

afterEach(async () => {
  for (const cloud of CLOUDS) await f.faults(cloud, {});
});

test('every cloud read of the console query is sent before the first of them answers', async () => {
  await f.consoleText(f.alice);
  await f.resetStats();
  const alone = await f.consoleText(f.alice);
  const calls = await f.totalCalls();
  expect(calls).toBeGreaterThan(20);

  for (const cloud of CLOUDS) await f.faults(cloud, { latencyMs: LATENCY_MS });
  await f.resetStats();
  const sent = performance.now();
  const answer = f.consoleText(f.alice);
  // The simulators count a call when it arrives and answer it LATENCY_MS later.
  let arrived = 0;
  while (performance.now() - sent < LATENCY_MS * 0.8) {
    arrived = await f.totalCalls();
    if (arrived >= calls) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(arrived).toBe(calls);
  expect(await answer).toBe(alone);
  // Read ahead or not, each read is made once.
  expect(await f.totalCalls()).toBe(calls);
}, 30_000);

test('a read started ahead that fails is reported by the field that needs it, and costs no other', async () => {
  await f.faults('OPENSTACK', { failingOperations: ['cinder.volumes.detail'], errorStatus: 503 });
  const res = await f.gw.gql<any, Record<string, never>>(CONSOLE_QUERY, {}, { token: f.alice.token });
  type Tenancy = { datacenter: { kind: string }; quota: unknown; networks: { nodes: { subnets: { nodes: { instances: { nodes: { volumes: unknown[] }[] } }[] } }[] } | null };
  const tenancies = res.data!.viewer.tenancies as Tenancy[];
  const os = tenancies.find((t) => t.datacenter.kind === 'OPENSTACK')!;
  const cs = tenancies.find((t) => t.datacenter.kind === 'CLOUDSTACK')!;
  // An instance's disks are not nullable: their error takes the networks page (the nearest
  // nullable field) with it, and only that, in that datacenter.
  expect(os.networks).toBeNull();
  expect(os.quota).not.toBeNull();
  const instances = cs.networks!.nodes.flatMap((n) => n.subnets.nodes.flatMap((s) => s.instances.nodes));
  expect(instances.length).toBeGreaterThan(0);
  expect(instances.every((i) => i.volumes.length > 0)).toBe(true);
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0].path?.at(-1)).toBe('volumes');
  expect(res.errors![0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', datacenter: 'sim-os' });
});
