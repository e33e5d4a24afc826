import type { Client, ExecutionResult } from 'graphql-ws';
import { CreateUserDocument } from '../../operations/generated/graphql';
import { JobEvent } from '../../src/graph/job/job.type';
import { encodeId, localId } from '../../src/graph/node/global-id';
import { jobChannel, JobJournal, type JobEventMessage } from '../../src/jobs/journal';
import { WS_MAX_BUFFERED_BYTES } from '../../src/server/shared-subscriptions';
import { jobs } from '../../src/store/schema';
import { startGateway, type TestGateway } from '../support/app';
import { openTestStore, type TestStore } from '../support/store';
import { openRaw, wsClient, type RawSocket } from '../support/ws';

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
  return {
    id: encodeId('Job', row.id),
    localId: row.id,
    event: () => journal.event(row.id, 'RUNNING', (progress += 10), 'step'),
    finish: () => journal.finish(row.id, 'SUCCEEDED', {}),
  };
}

/** A live event of job `jobId` published as its worker would, but without storing it. */
function publish(jobId: string, seq: number, message = 'step') {
  const event: JobEventMessage = { jobId, seq, status: 'RUNNING', progress: seq % 100, message, at: new Date().toISOString(), userId: null, datacenterId: null };
  return gw.app.deps.pubsub.publish(jobChannel(jobId), event);
}

/** A raw graphql-transport-ws socket, acknowledged as `token`'s. */
async function rawAs(token: string): Promise<RawSocket> {
  const raw = await openRaw(gw.url);
  raw.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  expect(await raw.next()).toEqual({ type: 'connection_ack' });
  return raw;
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

describe('written to each socket by the fan-out', () => {
  /** Subscribers of one running job of alice's, one per query, each with its first event. */
  async function liveFollowers(queries: string[]) {
    const alice = await user('alice');
    const job = await runningJob(alice.id);
    const streams = queries.map((query) => follow(alice.token, query, { id: job.id }));
    // Stored, so a subscription not yet live has it in its replay.
    await job.event();
    await until(() => streams.every((s) => hasSeq(s, 1)), 'event 1 everywhere');
    return { job, streams };
  }

  it('sends every subscriber its own next messages, each the one graphql-ws would send, in order, then complete after the final event', async () => {
    const alice = await user('alice');
    const job = await runningJob(alice.id);
    await job.event();
    await job.event();
    const raw = await rawAs(alice.token);
    // An id that JSON must escape, and one with characters beyond ASCII.
    const ids = ['say "hi" \\ back', 'naïve-✓'];
    for (const id of ids) raw.send({ id, type: 'subscribe', payload: { query: SHORT, variables: { id: job.id } } });
    const messages: { type: string; id?: string; payload?: unknown }[] = [];
    const take = async (n: number) => {
      for (let i = 0; i < n; i++) messages.push(await raw.next());
    };
    // The replay of seq 1 and 2, for each.
    await take(4);
    await job.event();
    await job.finish();
    await take(6);
    for (const id of ids) {
      expect(messages.filter((m) => m.id === id)).toEqual([
        ...[
          { seq: 1, progress: 10 },
          { seq: 2, progress: 20 },
          { seq: 3, progress: 30 },
          { seq: 4, progress: 100 },
        ].map((event) => ({ id, type: 'next', payload: { data: { jobProgress: event } } })),
        { id, type: 'complete' },
      ]);
    }
    expect(raw.binaryFrames()).toBe(0);
    await raw.close();
  });

  it('keeps each subscriber’s order when events come faster than their results are made, and when later ones are made first', async () => {
    const { job, streams } = await liveFollowers([FULL, FULL, SHORT]);
    // Events 2–6: each one's result ready before the one before it (6 first, 2 last).
    const fromRow = JobEvent.fromRow.bind(JobEvent);
    jest.spyOn(JobEvent, 'fromRow').mockImplementation((row) => {
      if (row.seq < 2 || row.seq > 6) return fromRow(row);
      return new Promise((resolve) => setTimeout(() => resolve(fromRow(row)), (7 - row.seq) * 30)) as never;
    });
    // Published without waiting: each event's shared execution is still running as the next comes.
    await Promise.all(Array.from({ length: 300 }, (_, i) => publish(job.localId, i + 2)));
    await until(() => streams.every((s) => hasSeq(s, 301)), 'the last event everywhere');
    for (const results of streams) expect(results.map((r) => seqOf(r)?.seq)).toEqual(Array.from({ length: 301 }, (_, i) => i + 1));
  });

  it('does not share a result with errors: each subscriber runs its own, its errors as an HTTP client would see them', async () => {
    const { job, streams } = await liveFollowers([SHORT, SHORT, SHORT]);
    const fromRow = JobEvent.fromRow.bind(JobEvent);
    const executions = jest.spyOn(JobEvent, 'fromRow').mockImplementation((row) => {
      if (row.seq === 2) throw new Error('secret internals');
      return fromRow(row);
    });
    jest.spyOn(gw.app.deps.log, 'error').mockImplementation(() => undefined);
    await publish(job.localId, 2);
    await publish(job.localId, 3);
    await until(() => streams.every((s) => hasSeq(s, 3)), 'event 3 everywhere');
    // seq 2: the shared execution, then each subscriber's own; seq 3: shared again.
    expect(executions).toHaveBeenCalledTimes(1 + streams.length + 1);
    for (const results of streams) {
      expect(results.slice(1)).toEqual([
        { data: null, errors: [{ message: 'Unexpected error.', path: ['jobProgress'], locations: [expect.anything()], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
        { data: { jobProgress: { seq: 3, progress: 3 } } },
      ]);
    }
  });

  it(`drops the subscription of a socket holding more than ${WS_MAX_BUFFERED_BYTES} bytes unsent with RATE_LIMITED, and keeps the socket`, async () => {
    const alice = await user('alice');
    const job = await runningJob(alice.id);
    const raw = await rawAs(alice.token);
    raw.send({ id: 'slow', type: 'subscribe', payload: { query: FULL, variables: { id: job.id } } });
    await job.event();
    expect(await raw.next()).toMatchObject({ id: 'slow', type: 'next' });
    // The client stops reading; the kernel's buffers fill, then the gateway's.
    raw.tcp.pause();
    const big = 'x'.repeat(70_000);
    const count = 400;
    for (let seq = 2; seq <= count + 1; seq++) await publish(job.localId, seq, big);
    raw.tcp.resume();
    const received: { type: string; id?: string; payload?: unknown }[] = [];
    for (;;) {
      const message = await raw.next(10_000);
      received.push(message);
      if (message.type !== 'next') break;
    }
    const last = received.pop()!;
    expect(last).toEqual({ id: 'slow', type: 'error', payload: [expect.objectContaining({ extensions: { code: 'RATE_LIMITED' } })] });
    // Those written before it, whole and in order, and not all of them.
    const seqs = received.map((m) => (m.payload as { data: { jobProgress: { seq: number; message: string } } }).data.jobProgress);
    expect(seqs.length).toBeLessThan(count);
    expect(seqs.map((e) => e.seq)).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 2));
    expect(seqs.every((e) => e.message === big)).toBe(true);
    // The socket goes on: a new subscription of it is served.
    raw.send({ id: 'again', type: 'subscribe', payload: { query: SHORT, variables: { id: job.id } } });
    await job.event();
    expect(await raw.next()).toMatchObject({ id: 'again', type: 'next' });
    await raw.close();
  });
});
