import { ReadHorizon } from '../../src/clouds/read-horizon';
import { bootInstance, CLOUDS, localOf, unique, useCloudGateway, type Cloud } from '../support/cloud';

/*
 * Requests of one tenant that arrive together share the cloud reads they have in common (one
 * call each, the same answer for all), while a request never gets an answer from a read that
 * began before it arrived, nor from one begun before its own writes.
 */

const f = useCloudGateway();
const LIST: Record<Cloud, string> = { OPENSTACK: 'neutron.networks.list', CLOUDSTACK: 'listVPCs' };

async function callsOf(cloud: Cloud): Promise<Record<string, number>> {
  return (await f.stats(cloud)).operations;
}

beforeAll(async () => {
  for (const cloud of CLOUDS) await bootInstance(f, f.alice, cloud);
});

afterEach(async () => {
  for (const cloud of CLOUDS) await f.faults(cloud, {});
});

test('console queries of one user sent together answer the same bytes, and never cost more calls than each alone', async () => {
  await f.consoleText(f.alice);
  await f.resetStats();
  const alone = await f.consoleText(f.alice);
  const callsAlone = await f.totalCalls();
  expect(callsAlone).toBeGreaterThan(10);

  // A query's reads start as soon as it reaches its tenancies (read ahead of their levels), so
  // requests share those of requests that arrived in the same turn of the event loop, and no
  // others: which of 8 sent together do depends on how their bytes reach the gateway. Shared
  // or not, each read counts once.
  for (const cloud of CLOUDS) await f.faults(cloud, { latencyMs: 400 });
  await f.resetStats();
  const answers = await Promise.all(Array.from({ length: 8 }, () => f.consoleText(f.alice)));
  const callsTogether = await f.totalCalls();
  for (const answer of answers) expect(answer).toBe(alone);
  expect(callsTogether).toBeLessThanOrEqual(8 * callsAlone);
});

describe.each(CLOUDS)('on %s', (cloud) => {
  test('a request that arrives while an identical read is under way makes a call of its own', async () => {
    await f.faults(cloud, { latencyMs: 400 });
    await f.resetStats();
    const first = f.consoleText(f.alice);
    // Once the first request's read has reached the cloud, a second request arrives.
    const deadline = Date.now() + 10_000;
    while (((await callsOf(cloud))[LIST[cloud]] ?? 0) < 1) {
      if (Date.now() > deadline) throw new Error(`${LIST[cloud]} never reached the cloud`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const second = f.consoleText(f.alice);
    await Promise.all([first, second]);
    expect((await callsOf(cloud))[LIST[cloud]]).toBe(2);
  });

  test("a driver's writes move its horizon on; its reads do not", async () => {
    const horizon = new ReadHorizon();
    const driver = await f.driver(f.alice, cloud, horizon);
    const [network] = await driver.listNetworks();
    const before = horizon.since;
    await driver.listInstances();
    expect(horizon.since).toBe(before);
    await driver.updateNetwork(network.id, { name: unique('renamed') });
    expect(horizon.since).toBeGreaterThan(before);
  });

  test('a rename made elsewhere is seen by a request sent after it, even while identical reads begun before it are still on their way', async () => {
    const NETWORKS = 'query($id: ID!) { node(id: $id) { ... on Tenancy { networks { nodes { id name } } } } }';
    const listed = async () => (await f.ok(NETWORKS, { id: f.alice.tenancy[cloud] }, f.alice.token)).node.networks.nodes as { id: string; name: string }[];
    const [network] = await listed();
    const name = unique('seen');
    // The list's answers take 300 ms to come back and tell the cloud as it was when they left; the rename is quick.
    await f.faults(cloud, { answerDelayMs: 300, answerDelayOperations: [LIST[cloud]] });
    // Meanwhile the same list is read again and again: some of those reads left before the rename ended.
    let reading = true;
    const background = (async () => {
      const reads: Promise<unknown>[] = [];
      while (reading) {
        reads.push(listed());
        await new Promise((r) => setTimeout(r, 40));
      }
      await Promise.all(reads);
    })();
    await new Promise((r) => setTimeout(r, 200));
    // Another process (a worker's job, another replica) renames it straight in the cloud.
    await (await f.driver(f.alice, cloud)).updateNetwork(localOf(network.id), { name });
    const after = await listed();
    reading = false;
    await background;
    expect(after.find((n) => n.id === network.id)?.name).toBe(name);
  });
});
