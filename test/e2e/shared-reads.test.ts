import fs from 'node:fs';
import path from 'node:path';
import { ReadHorizon } from '../../src/clouds/read-horizon';
import { bootInstance, CLOUDS, localOf, unique, useCloudGateway, type Cloud } from '../support/cloud';

/*
 * Requests of one tenant that arrive together share the cloud reads they have in common (one
 * call each, the same answer for all), while a request never gets an answer from a read that
 * began before it arrived, nor from one begun before its own writes.
 */

const f = useCloudGateway();
const CONSOLE = fs.readFileSync(path.resolve(__dirname, '..', '..', 'operations', 'console.graphql'), 'utf8');
const LIST: Record<Cloud, string> = { OPENSTACK: 'neutron.networks.list', CLOUDSTACK: 'listVPCs' };

async function callsOf(cloud: Cloud): Promise<Record<string, number>> {
  return (await f.stats(cloud)).operations;
}

async function total(): Promise<number> {
  let sum = 0;
  for (const cloud of CLOUDS) sum += (await f.stats(cloud)).total;
  return sum;
}

async function consoleAnswer(): Promise<string> {
  const res = await f.gw.gql(CONSOLE, {}, { token: f.alice.token });
  if (res.errors?.length) throw new Error(res.text);
  return res.text;
}

beforeAll(async () => {
  for (const cloud of CLOUDS) await bootInstance(f, f.alice, cloud);
});

afterEach(async () => {
  for (const cloud of CLOUDS) await f.faults(cloud, {});
});

test('console queries of one user sent together cost fewer calls than each alone, and answer the same bytes', async () => {
  await consoleAnswer();
  await f.resetStats();
  const alone = await consoleAnswer();
  const callsAlone = await total();
  expect(callsAlone).toBeGreaterThan(10);

  // Slow clouds: the reads of a query's deeper levels begin after all 8 requests arrived, and
  // are shared by all; the first level's, begun before the later requests arrived, are not.
  for (const cloud of CLOUDS) await f.faults(cloud, { latencyMs: 400 });
  await f.resetStats();
  const answers = await Promise.all(Array.from({ length: 8 }, () => consoleAnswer()));
  const callsTogether = await total();
  for (const answer of answers) expect(answer).toBe(alone);
  // Each alone, 8 queries would make 8 × callsAlone calls.
  expect(callsTogether).toBeLessThan(5 * callsAlone);
});

describe.each(CLOUDS)('on %s', (cloud) => {
  test('a request that arrives while an identical read is under way makes a call of its own', async () => {
    await f.faults(cloud, { latencyMs: 400 });
    await f.resetStats();
    const first = consoleAnswer();
    // Once the first request's read has reached the cloud, a second request arrives.
    const deadline = Date.now() + 10_000;
    while (((await callsOf(cloud))[LIST[cloud]] ?? 0) < 1) {
      if (Date.now() > deadline) throw new Error(`${LIST[cloud]} never reached the cloud`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const second = consoleAnswer();
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
