import type { Client, ExecutionResult } from 'graphql-ws';
import { AppError } from '../../src/errors';
import type { Viewer } from '../../src/graph/context';
import { JOB_EVENTS_CHANNEL, JobService, MAX_PENDING_EVENTS, jobChannel, type JobEventMessage, type JobRun } from '../../src/graph/job/job.service';
import { encodeId } from '../../src/graph/node/global-id';
import type { PubSub } from '../../src/pubsub/pubsub';
import type { JobEventRow } from '../../src/store/schema';
import { CLOUDS, localOf, unique, useCloudGateway, type Cloud, type Tenant } from '../support/cloud';
import { wsClient, wsExecute } from '../support/ws';

/*
 * Job subscriptions over a real socket, against the gateway with its simulated clouds. Jobs
 * whose steps a test drives itself are made with JobService on the gateway's own store and
 * pubsub, so what a subscriber sees can be told apart event by event.
 */

const f = useCloudGateway();

const PROGRESS = 'subscription($id: ID!, $after: Int) { jobProgress(id: $id, afterSeq: $after) { jobId seq status progress message at } }';
const EVENTS = 'subscription($status: JobStatus, $dc: ID, $user: ID) { jobEvents(status: $status, datacenterId: $dc, userId: $user) { jobId seq status progress message at } }';

interface Ev {
  jobId: string;
  seq: number;
  status: string;
  progress: number;
  message: string | null;
  at: string;
}

/** Subscriptions open on the gateway's pubsub, by channel (counted around the real subscribe). */
const active = new Map<string, number>();
const opened = () => [...active.values()].reduce((a, b) => a + b, 0);
const on = (channel: string) => active.get(channel) ?? 0;

beforeAll(() => {
  const pubsub = f.gw.app.deps.pubsub;
  const subscribe = pubsub.subscribe.bind(pubsub);
  jest.spyOn(pubsub, 'subscribe').mockImplementation(async (channel, handler) => {
    const unsubscribe = await subscribe(channel, handler);
    active.set(channel, on(channel) + 1);
    let gone = false;
    return async () => {
      if (!gone) active.set(channel, on(channel) - 1);
      gone = true;
      await unsubscribe();
    };
  });
});

async function until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const clients: Client[] = [];
const held: Held[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
  for (const job of held.splice(0)) await job.end();
  // Every test leaves the pubsub as it found it: no subscription outlives its socket.
  await until(() => opened() === 0, 'every subscription to be released');
});

function client(token?: string | null): Client {
  const c = wsClient(f.gw.url, token ? { authorization: `Bearer ${token}` } : undefined);
  clients.push(c);
  return c;
}

interface Stream {
  results: ExecutionResult[];
  events(): Ev[];
  /** Resolves when the server completes the operation or the sink gets an error. */
  ended: Promise<{ kind: 'complete' } | { kind: 'error'; error: unknown }>;
  isEnded(): boolean;
  /** Completes the operation from the client side. */
  stop(): void;
}

function stream(c: Client, query: string, variables: Record<string, unknown> = {}): Stream {
  const results: ExecutionResult[] = [];
  let done = false;
  let stop: () => void = () => undefined;
  const ended = new Promise<{ kind: 'complete' } | { kind: 'error'; error: unknown }>((resolve) => {
    stop = c.subscribe(
      { query, variables },
      {
        next: (value) => void results.push(value as ExecutionResult),
        error: (error) => {
          done = true;
          resolve({ kind: 'error', error });
        },
        complete: () => {
          done = true;
          resolve({ kind: 'complete' });
        },
      },
    );
  });
  return {
    results,
    events: () => results.flatMap((r) => Object.values((r.data ?? {}) as Record<string, Ev>)),
    ended,
    isEnded: () => done,
    stop: () => stop(),
  };
}

const seqs = (events: { seq: number }[]) => events.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const codesOf = (results: ExecutionResult[]) => results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));

function viewerOf(tenant: Tenant): Viewer {
  return { userId: localOf(tenant.userId), role: 'USER', username: tenant.username, sessionId: null, apiKeyId: null };
}

interface Held {
  /** Global id. */
  id: string;
  localId: string;
  run: JobRun;
  /** Ends the job SUCCEEDED, or FAILED with `error`; waits for its last event. */
  end(error?: Error): Promise<void>;
}

/** A RUNNING job of `tenant` (event 1 written) that goes on only when the test says. */
async function heldJob(tenant: Tenant, options: { cloud?: Cloud; service?: JobService } = {}): Promise<Held> {
  const service = options.service ?? new JobService(f.gw.app.deps);
  let release!: (error?: Error) => void;
  const gate = new Promise<void>((resolve, reject) => {
    release = (error) => (error ? reject(error) : resolve());
  });
  let started!: (run: JobRun) => void;
  const running = new Promise<JobRun>((resolve) => (started = resolve));
  const outcome = service.attempt(
    { kind: 'heldForTest', viewer: viewerOf(tenant), datacenterId: options.cloud ? localOf(f.datacenter[options.cloud]) : null },
    async (run) => {
      started(run);
      await gate;
    },
  );
  const run = await running;
  let ended = false;
  const job: Held = {
    id: encodeId('Job', run.id),
    localId: run.id,
    run,
    end: async (error) => {
      if (!ended) release(error);
      ended = true;
      await outcome;
    },
  };
  held.push(job);
  return job;
}

async function createNetwork(tenant: Tenant, cloud: Cloud) {
  const name = unique('sub-net');
  const data = await f.ok(
    `mutation($input: CreateNetworkInput!) { createNetwork(input: $input) {
       job { id status events { jobId seq status progress message at } } network { id } } }`,
    { input: { tenancyId: tenant.tenancy[cloud], name, cidr: '10.60.0.0/16', subnet: { name: `${name}-a`, cidr: '10.60.1.0/24' } } },
    tenant.token,
  );
  return data.createNetwork.job as { id: string; status: string; events: Ev[] };
}

describe.each(CLOUDS)('a createNetwork on %s', (cloud) => {
  it('streams QUEUED, RUNNING … SUCCEEDED in seq order live, and replays the same events once it has ended', async () => {
    const live = stream(client(f.alice.token), EVENTS);
    await until(() => on(JOB_EVENTS_CHANNEL) === 1, 'the live subscription');

    const job = await createNetwork(f.alice, cloud);
    expect(job.status).toBe('SUCCEEDED');
    const ofJob = () => live.events().filter((e) => e.jobId === job.id);
    await until(() => ofJob().some((e) => e.status === 'SUCCEEDED'), 'the final event');

    const events = ofJob();
    expect(seqs(events)).toEqual(range(1, events.length));
    expect(events[0]).toMatchObject({ status: 'QUEUED', message: 'queued' });
    expect(events[1]).toMatchObject({ status: 'RUNNING', message: 'started' });
    expect(events.slice(1, -1).every((e) => e.status === 'RUNNING')).toBe(true);
    expect(events.at(-1)).toMatchObject({ status: 'SUCCEEDED', progress: 100 });
    expect(events).toEqual(job.events);

    // Followed after its end: everything stored, then complete.
    const replay = stream(client(f.alice.token), PROGRESS, { id: job.id });
    expect(await replay.ended).toEqual({ kind: 'complete' });
    expect(replay.events()).toEqual(events);

    const later = stream(client(f.alice.token), PROGRESS, { id: job.id, after: 1 });
    expect(await later.ended).toEqual({ kind: 'complete' });
    expect(later.events()).toEqual(events.slice(1));

    const none = stream(client(f.alice.token), PROGRESS, { id: job.id, after: events.length });
    expect(await none.ended).toEqual({ kind: 'complete' });
    expect(none.results).toEqual([]);
  });
});

describe('jobProgress', () => {
  it('follows a job from its start: the stored first event, then each live one, then completes after the final one', async () => {
    const job = await heldJob(f.alice);
    const s = stream(client(f.alice.token), PROGRESS, { id: job.id });
    await until(() => s.events().length === 1, 'the replayed first event');
    expect(s.events()[0]).toMatchObject({ jobId: job.id, seq: 1, status: 'RUNNING', progress: 0, message: 'started' });

    await job.run.progress(30, 'step one');
    await until(() => s.events().length === 2, 'the first live event');
    await job.run.progress(60, 'step two');
    await job.end();
    expect(await s.ended).toEqual({ kind: 'complete' });
    expect(s.events().map((e) => [e.seq, e.status, e.progress, e.message])).toEqual([
      [1, 'RUNNING', 0, 'started'],
      [2, 'RUNNING', 30, 'step one'],
      [3, 'RUNNING', 60, 'step two'],
      [4, 'SUCCEEDED', 100, 'done'],
    ]);
    expect(s.results.every((r) => r.errors === undefined)).toBe(true);
  });

  it('completes after a FAILED event too', async () => {
    const job = await heldJob(f.alice);
    const s = stream(client(f.alice.token), PROGRESS, { id: job.id });
    await until(() => s.events().length === 1, 'the replayed first event');
    await job.end(new AppError('CONFLICT', 'the cloud said no'));
    expect(await s.ended).toEqual({ kind: 'complete' });
    expect(s.events().at(-1)).toMatchObject({ seq: 2, status: 'FAILED', message: 'the cloud said no' });
  });

  it('resumes after a reconnect from the last seq seen: what came meanwhile, then live, without a duplicate', async () => {
    const job = await heldJob(f.alice);
    await job.run.progress(10, 'a');
    const first = client(f.alice.token);
    const before = stream(first, PROGRESS, { id: job.id });
    await until(() => before.events().length === 2, 'the replay');
    await job.run.progress(20, 'b');
    await until(() => before.events().length === 3, 'a live event');
    const lastSeen = before.events().at(-1)!.seq;

    await first.dispose();
    await until(() => on(jobChannel(job.localId)) === 0, 'the closed socket to release its subscription');
    await job.run.progress(30, 'c');
    await job.run.progress(40, 'd');

    const after = stream(client(f.alice.token), PROGRESS, { id: job.id, after: lastSeen });
    await until(() => after.events().length === 2, 'the events written while away');
    await job.run.progress(50, 'e');
    await job.end();
    expect(await after.ended).toEqual({ kind: 'complete' });
    expect(seqs(before.events())).toEqual([1, 2, 3]);
    expect(seqs(after.events())).toEqual([4, 5, 6, 7]);
    expect(after.events().map((e) => e.message)).toEqual(['c', 'd', 'e', 'done']);
  });

  it('is NOT_FOUND for another user’s job and for ids that are not jobs; admins may follow anyone’s', async () => {
    const job = await heldJob(f.alice);
    for (const id of [job.id, encodeId('Job', '00000000-0000-4000-8000-000000000000'), f.alice.userId, 'garbage']) {
      const s = stream(client(f.bob.token), PROGRESS, { id });
      expect(await s.ended).toEqual({ kind: 'complete' });
      expect(codesOf(s.results)).toEqual(['NOT_FOUND']);
    }
    expect(on(jobChannel(job.localId))).toBe(0);

    const admin = stream(client(f.admin), PROGRESS, { id: job.id });
    await until(() => admin.events().length === 1, 'the admin’s replay');
    await job.end();
    expect(await admin.ended).toEqual({ kind: 'complete' });
    expect(seqs(admin.events())).toEqual([1, 2]);
  });

  it('releases its pubsub subscription when the client completes it, when the socket closes, and when the job ends', async () => {
    const job = await heldJob(f.alice);
    const channel = jobChannel(job.localId);
    const c = client(f.alice.token);
    // Keeps the socket open while the other operation is completed by the client.
    const other = stream(c, EVENTS);
    await until(() => on(JOB_EVENTS_CHANNEL) === 1, 'the other subscription');

    const completed = stream(c, PROGRESS, { id: job.id });
    await until(() => completed.events().length === 1 && on(channel) === 1, 'the first subscription');
    completed.stop();
    await until(() => on(channel) === 0, 'the completed subscription to be released');
    expect(on(JOB_EVENTS_CHANNEL)).toBe(1);
    expect(other.isEnded()).toBe(false);

    const closed = client(f.alice.token);
    const s = stream(closed, PROGRESS, { id: job.id });
    await until(() => s.events().length === 1 && on(channel) === 1, 'the second subscription');
    await closed.dispose();
    await until(() => on(channel) === 0, 'the closed socket’s subscription to be released');

    const finished = stream(c, PROGRESS, { id: job.id });
    await until(() => finished.events().length === 1 && on(channel) === 1, 'the third subscription');
    await job.end();
    expect(await finished.ended).toEqual({ kind: 'complete' });
    await until(() => on(channel) === 0, 'the finished subscription to be released');
  });
});

describe('jobEvents', () => {
  it('shows users their own events only, and admins everyone’s or the filtered ones', async () => {
    const streams = {
      alice: stream(client(f.alice.token), EVENTS),
      aliceDone: stream(client(f.alice.token), EVENTS, { status: 'SUCCEEDED' }),
      bob: stream(client(f.bob.token), EVENTS),
      bobAsSelf: stream(client(f.bob.token), EVENTS, { user: f.bob.userId }),
      admin: stream(client(f.admin), EVENTS),
      adminAlice: stream(client(f.admin), EVENTS, { user: f.alice.userId }),
      adminBob: stream(client(f.admin), EVENTS, { user: f.bob.userId }),
      adminOpenStack: stream(client(f.admin), EVENTS, { dc: f.datacenter.OPENSTACK }),
      adminCloudStack: stream(client(f.admin), EVENTS, { dc: f.datacenter.CLOUDSTACK }),
    };
    await until(() => on(JOB_EVENTS_CHANNEL) === Object.keys(streams).length, 'every live subscription');

    const alices = await heldJob(f.alice, { cloud: 'OPENSTACK' });
    await alices.run.progress(50, 'half');
    await alices.end();
    // Bob's job comes after alice's on the same channel: once it is seen, alice's would have been.
    const bobs = await heldJob(f.bob, { cloud: 'CLOUDSTACK' });
    await bobs.end();

    const ids = (s: Stream) => [...new Set(s.events().map((e) => e.jobId))];
    for (const [name, s] of Object.entries({ bob: streams.bob, bobAsSelf: streams.bobAsSelf, admin: streams.admin, adminBob: streams.adminBob, adminCloudStack: streams.adminCloudStack })) {
      await until(() => s.events().some((e) => e.jobId === bobs.id && e.status === 'SUCCEEDED'), `bob’s final event on ${name}`);
    }
    await until(() => streams.adminAlice.events().some((e) => e.status === 'SUCCEEDED') && streams.adminOpenStack.events().some((e) => e.status === 'SUCCEEDED'), 'alice’s final event on the filtered admin streams');
    await until(() => streams.alice.events().length === 3 && streams.aliceDone.events().length === 1, 'alice’s own events');

    expect(streams.alice.events().map((e) => [e.jobId, e.seq, e.status])).toEqual([
      [alices.id, 1, 'RUNNING'],
      [alices.id, 2, 'RUNNING'],
      [alices.id, 3, 'SUCCEEDED'],
    ]);
    expect(streams.aliceDone.events().map((e) => [e.jobId, e.status])).toEqual([[alices.id, 'SUCCEEDED']]);
    expect(ids(streams.bob)).toEqual([bobs.id]);
    expect(ids(streams.bobAsSelf)).toEqual([bobs.id]);
    expect(ids(streams.admin)).toEqual([alices.id, bobs.id]);
    expect(seqs(streams.admin.events())).toEqual([1, 2, 3, 1, 2]);
    expect(ids(streams.adminAlice)).toEqual([alices.id]);
    expect(ids(streams.adminBob)).toEqual([bobs.id]);
    expect(ids(streams.adminOpenStack)).toEqual([alices.id]);
    expect(ids(streams.adminCloudStack)).toEqual([bobs.id]);
    // Live streams do not end with a job.
    expect(Object.values(streams).some((s) => s.isEnded())).toBe(false);
  });

  it('refuses a user’s filter on another user with NOT_FOUND, at subscribe', async () => {
    const s = stream(client(f.bob.token), EVENTS, { user: f.alice.userId });
    expect(await s.ended).toEqual({ kind: 'complete' });
    expect(codesOf(s.results)).toEqual(['NOT_FOUND']);
    expect(on(JOB_EVENTS_CHANNEL)).toBe(0);
  });

  it('cannot be subscribed to without signing in', async () => {
    const outcome = await wsExecute(client(null), { query: EVENTS });
    const results = outcome.kind === 'results' ? outcome.results : [];
    expect(codesOf(results)).toEqual(['UNAUTHENTICATED']);
    expect(results.every((r) => r.data == null)).toBe(true);
    expect(opened()).toBe(0);
  });
});

describe('subscriptions per connection', () => {
  const LIMIT = 20;

  it(`runs ${LIMIT} at once on one socket, refuses the next with RATE_LIMITED, keeps the others running, and takes one again once one ends`, async () => {
    expect(f.gw.config.ws.maxSubscriptions).toBe(LIMIT);
    const c = client(f.alice.token);
    const running = Array.from({ length: LIMIT }, () => stream(c, EVENTS));
    await until(() => on(JOB_EVENTS_CHANNEL) === LIMIT, 'every admitted subscription');

    const refused = stream(c, EVENTS);
    const outcome = await refused.ended;
    expect(outcome.kind).toBe('error');
    const errors = (outcome as { error: { message: string; extensions?: { code?: string } }[] }).error;
    expect(errors.map((e) => e.extensions?.code)).toEqual(['RATE_LIMITED']);
    expect(errors[0].message).toContain(String(LIMIT));
    expect(on(JOB_EVENTS_CHANNEL)).toBe(LIMIT);

    // Another connection has its own allowance.
    const elsewhere = stream(client(f.alice.token), EVENTS);
    await until(() => on(JOB_EVENTS_CHANNEL) === LIMIT + 1, 'a subscription on another socket');

    const job = await heldJob(f.alice);
    await until(() => [...running, elsewhere].every((s) => s.events().length === 1), 'the event on every running subscription');
    expect(running.some((s) => s.isEnded())).toBe(false);

    running[0].stop();
    await until(() => on(JOB_EVENTS_CHANNEL) === LIMIT, 'the completed one to be released');
    const again = stream(c, EVENTS);
    await until(() => on(JOB_EVENTS_CHANNEL) === LIMIT + 1, 'a new subscription in the freed place');
    await job.run.progress(50, 'half');
    await until(() => again.events().length === 1, 'the event on the new subscription');
    expect(again.isEnded()).toBe(false);
  });
});

describe('JobService.watch', () => {
  /** A pubsub that, while `holding`, keeps publishes back (in order) until released. */
  function holdingPubSub(inner: PubSub) {
    let holding = false;
    const queue: (() => void)[] = [];
    const pubsub: PubSub = {
      publish: (channel, payload) =>
        holding ? new Promise<void>((resolve, reject) => void queue.push(() => inner.publish(channel, payload).then(resolve, reject))) : inner.publish(channel, payload),
      subscribe: (channel, handler) => inner.subscribe(channel, handler),
      close: async () => undefined,
    };
    return {
      pubsub,
      hold: () => void (holding = true),
      release: () => {
        holding = false;
        for (const publish of queue.splice(0)) publish();
      },
    };
  }

  async function storedSeqs(service: JobService, jobId: string) {
    return seqs(await service.events(jobId));
  }

  async function drain(events: AsyncIterable<JobEventRow>) {
    const got: JobEventRow[] = [];
    for await (const event of events) got.push(event);
    return got;
  }

  it('sends each event once and in order when events are written and published around the replay', async () => {
    const deps = f.gw.app.deps;
    const gated = holdingPubSub(deps.pubsub);
    const writer = new JobService({ ...deps, pubsub: gated.pubsub });
    const watcher = new JobService(deps);
    const job = await heldJob(f.alice, { service: writer });
    await job.run.progress(10, 'stored and published before the subscription');

    // Stored before the subscription, published only after it: in the replay and live.
    gated.hold();
    const late = job.run.progress(20, 'published late');
    let stored: number[] = [];
    for (const deadline = Date.now() + 5000; stored.length < 3 && Date.now() < deadline; ) {
      stored = await storedSeqs(watcher, job.localId);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(stored).toEqual([1, 2, 3]);

    const read = watcher.events.bind(watcher);
    jest.spyOn(watcher, 'events').mockImplementation(async (jobId, afterSeq) => {
      // Subscribed by now. Event 3 arrives live; event 4 is written and published before the read.
      expect(on(jobChannel(job.localId))).toBe(1);
      gated.release();
      await late;
      await job.run.progress(40, 'between subscribe and replay');
      const rows = await read(jobId, afterSeq);
      // After the read, before the replay is sent: live only.
      await job.run.progress(50, 'while the replay is read');
      return rows;
    });

    const events = await watcher.watch(job.localId, 0);
    await job.run.progress(60, 'after the replay');
    await job.end();
    const got = await drain(events);
    expect(seqs(got)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(got.map((e) => e.message)).toEqual([
      'started',
      'stored and published before the subscription',
      'published late',
      'between subscribe and replay',
      'while the replay is read',
      'after the replay',
      'done',
    ]);
    expect(got.map((e) => e.at)).toEqual(got.map(() => expect.any(Date)));
    await until(() => on(jobChannel(job.localId)) === 0, 'the subscription to be released at the end');
  });

  it('ends at once, sending nothing, when the caller has seen the final event already', async () => {
    const watcher = new JobService(f.gw.app.deps);
    const job = await heldJob(f.alice);
    await job.end();
    expect(seqs(await drain(await watcher.watch(job.localId, 2)))).toEqual([]);
    expect(seqs(await drain(await watcher.watch(job.localId, 1)))).toEqual([2]);
    expect(seqs(await drain(await watcher.watch(job.localId, -1)))).toEqual([1, 2]);
  });

  it('ends a pending read at once on return() and lets the subscription go', async () => {
    const watcher = new JobService(f.gw.app.deps);
    const job = await heldJob(f.alice);
    const events = await watcher.watch(job.localId, 0);
    expect((await events.next()).value).toMatchObject({ seq: 1 });
    const pending = events.next();
    expect(on(jobChannel(job.localId))).toBe(1);
    await expect(events.return!()).resolves.toEqual({ value: undefined, done: true });
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(on(jobChannel(job.localId))).toBe(0);
    await job.run.progress(50, 'nobody listens');
    await expect(events.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it(`drops a live reader more than ${MAX_PENDING_EVENTS} events behind with RATE_LIMITED`, async () => {
    const deps = f.gw.app.deps;
    const events = await new JobService(deps).live((e) => e.jobId === 'flood');
    const message = (seq: number): JobEventMessage => ({
      jobId: 'flood',
      seq,
      status: 'RUNNING',
      progress: 0,
      message: null,
      at: new Date().toISOString(),
      userId: null,
      datacenterId: null,
    });
    for (let seq = 1; seq <= MAX_PENDING_EVENTS + 1; seq++) await deps.pubsub.publish(JOB_EVENTS_CHANNEL, message(seq));
    await until(() => on(JOB_EVENTS_CHANNEL) === 0, 'the overflowing subscription to be dropped');
    await expect(events.next()).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    await expect(events.next()).resolves.toEqual({ value: undefined, done: true });
  });
});
