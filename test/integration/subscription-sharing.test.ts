import type { Client, ExecutionResult } from 'graphql-ws';
import { CreateUserDocument } from '../../operations/generated/graphql';
import { JobEvent } from '../../src/graph/job/job.type';
import { encodeId, localId } from '../../src/graph/node/global-id';
import { JobJournal } from '../../src/jobs/journal';
import { jobs } from '../../src/store/schema';
import { startGateway, type TestGateway } from '../support/app';
import { openTestStore, type TestStore } from '../support/store';
import { wsClient } from '../support/ws';

/*
 * A job event fans out to every subscriber of the gateway, and the subscription's selection
 * runs once per event and selection, not once per subscriber; who sees which events is still
 * decided per subscriber.
 */

let store: TestStore;
let gw: TestGateway;
const clients: Client[] = [];

beforeAll(async () => {
  store = await openTestStore();
  gw = await startGateway(store);
});
afterAll(async () => {
  await gw?.stop();
  await store?.close();
});
beforeEach(() => gw.reset());
afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
  jest.restoreAllMocks();
});

const FULL = 'subscription($id: ID!, $after: Int) { jobProgress(id: $id, afterSeq: $after) { jobId seq status progress message at } }';
const SHORT = 'subscription($id: ID!) { jobProgress(id: $id) { seq progress } }';
const ALL = 'subscription { jobEvents { jobId seq progress } }';

async function user(username: string) {
  const created = await gw.gql(CreateUserDocument, { input: { username, password: 'user-password-1', email: `${username}@example.com` } }, { token: await gw.adminToken() });
  expect(created.errors).toBeUndefined();
  return { id: localId(created.data!.createUser.id, 'User'), token: await gw.login(username, 'user-password-1') };
}

/** A RUNNING job of `userId`, and a way to add events to it as its worker would. */
async function runningJob(userId: string) {
  const [row] = await gw.app.deps.db.insert(jobs).values({ kind: 'sharingTest', userId, requestedBy: userId, status: 'RUNNING', attempts: 1 }).returning();
  const journal = new JobJournal({ db: gw.app.deps.db, pubsub: gw.app.deps.pubsub, log: gw.app.deps.log, deadlineSeconds: 60 });
  let progress = 0;
  return { id: encodeId('Job', row.id), event: () => journal.event(row.id, 'RUNNING', (progress += 10), 'step') };
}

function follow(token: string, query: string, variables: Record<string, unknown> = {}) {
  const c = wsClient(gw.url, { authorization: `Bearer ${token}` });
  clients.push(c);
  const results: ExecutionResult[] = [];
  c.subscribe({ query, variables }, { next: (r) => void results.push(r as ExecutionResult), error: (e) => results.push({ errors: [e as never] }), complete: () => undefined });
  return results;
}

async function until(predicate: () => boolean, what: string) {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const seqOf = (r: ExecutionResult) => Object.values(r.data ?? {})[0] as { seq: number } | undefined;
const jobsOf = (results: ExecutionResult[]) => new Set(results.map((r) => (r.data as { jobEvents: { jobId: string } }).jobEvents.jobId));
const hasSeq = (results: ExecutionResult[], seq: number) => results.some((r) => seqOf(r)?.seq === seq);

it('runs the selection once per event for every subscriber of the same document, whatever their afterSeq, and once more per other selection', async () => {
  const alice = await user('alice');
  const admin = await gw.adminToken();
  const job = await runningJob(alice.id);
  const streams = [
    follow(alice.token, FULL, { id: job.id, after: 0 }),
    follow(alice.token, FULL, { id: job.id }),
    follow(admin, FULL, { id: job.id, after: 0 }),
  ];
  const short = follow(alice.token, SHORT, { id: job.id });
  // A first event shows every subscription live.
  await job.event();
  await until(() => [...streams, short].every((s) => hasSeq(s, 1)), 'event 1 everywhere');

  const executions = jest.spyOn(JobEvent, 'fromRow');
  await job.event();
  await until(() => [...streams, short].every((s) => hasSeq(s, 2)), 'event 2 everywhere');
  // One execution for the three subscribers of FULL, one for SHORT.
  expect(executions).toHaveBeenCalledTimes(2);
  const [first, ...others] = streams.map((s) => s.find((r) => seqOf(r)?.seq === 2));
  expect(first?.data?.jobProgress).toMatchObject({ jobId: job.id, seq: 2, status: 'RUNNING', progress: 20, message: 'step' });
  for (const other of others) expect(other).toEqual(first);
  expect(short.find((r) => seqOf(r)?.seq === 2)?.data).toEqual({ jobProgress: { seq: 2, progress: 20 } });
});

it('still sends an event only to the subscribers who may see it', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const admin = await gw.adminToken();
  const aliceJob = await runningJob(alice.id);
  const bobJob = await runningJob(bob.id);
  const [ofAlice, ofBob, ofAdmin] = [follow(alice.token, ALL), follow(bob.token, ALL), follow(admin, ALL)];
  // jobEvents sends what comes from now on: events until every feed has had one of each job it sees.
  const live = () => ofAlice.length > 0 && ofBob.length > 0 && jobsOf(ofAdmin).size === 2;
  for (let i = 0; i < 100 && !live(); i++) {
    await Promise.all([aliceJob.event(), bobJob.event()]);
    await new Promise((r) => setTimeout(r, 20));
  }
  await until(live, 'every feed live');
  for (const results of [ofAlice, ofBob, ofAdmin]) results.length = 0;
  for (let i = 0; i < 3; i++) await Promise.all([aliceJob.event(), bobJob.event()]);
  await until(() => ofAdmin.length === 6 && ofAlice.length === 3 && ofBob.length === 3, 'the last events');
  expect(jobsOf(ofAlice)).toEqual(new Set([aliceJob.id]));
  expect(jobsOf(ofBob)).toEqual(new Set([bobJob.id]));
  expect(jobsOf(ofAdmin)).toEqual(new Set([aliceJob.id, bobJob.id]));
});
