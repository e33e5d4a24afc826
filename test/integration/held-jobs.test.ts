import { eq, inArray, sql } from 'drizzle-orm';
import { HeldJobs } from '../../src/jobs/held';
import { createLogger } from '../../src/logger';
import type { Db } from '../../src/store/db';
import { jobs } from '../../src/store/schema';
import { openTestStore, type TestStore } from '../support/store';
import { until } from '../support/wait';

/*
 * The jobs a worker holds are watched together: one read tells every job's check whether it
 * was cancelled, and one statement renews every lease.
 */
const WORKER = 'worker-a';
const FRESH_MS = 100;

let store: TestStore;
/** Statements HeldJobs sent, by kind. */
const sent = { select: 0, update: 0 };
/** The store's db, counting the statements begun through it. */
let counted: Db;

beforeAll(async () => {
  store = await openTestStore();
  counted = new Proxy(store.db, {
    get(target, key, receiver) {
      if (key === 'select' || key === 'update') sent[key]++;
      return Reflect.get(target, key, receiver);
    },
  });
});
afterAll(() => store.close());
beforeEach(async () => {
  await store.reset();
  sent.select = sent.update = 0;
});

/** `n` jobs RUNNING under this worker's lease. */
async function running(n: number, lockedBy = WORKER): Promise<string[]> {
  const rows = await store.db
    .insert(jobs)
    .values(Array.from({ length: n }, () => ({ kind: 'createInstance', status: 'RUNNING' as const, lockedBy, lockedUntil: new Date(Date.now() + 30_000) })))
    .returning({ id: jobs.id });
  return rows.map((r) => r.id);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HeldJobs', () => {
  it("answers every held job's check with one read, and each job from its own row", async () => {
    const held = new HeldJobs({ db: counted, log: createLogger('silent') }, WORKER, 30, FRESH_MS);
    const ids = await running(50);
    const mine = ids.map((id) => held.hold(id, false));
    await store.db.update(jobs).set({ cancelRequestedAt: new Date() }).where(eq(jobs.id, ids[7]));
    // The claim's read stands for the first checks: none reads.
    expect(await Promise.all(mine.map((job) => held.cancelRequested(job)))).toEqual(ids.map(() => false));
    expect(sent.select).toBe(0);

    await sleep(FRESH_MS + 20);
    const answers = await Promise.all(mine.map((job) => held.cancelRequested(job)));
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(answers[7]).toBe(true);
    expect(sent.select).toBe(1);

    // Checks soon after share that read; a job found cancelled stays so without reading again.
    expect(await held.cancelRequested(mine[3])).toBe(false);
    await sleep(FRESH_MS + 20);
    expect(await held.cancelRequested(mine[7])).toBe(true);
    expect(sent.select).toBe(1);
    ids.forEach((id, i) => held.release(id, mine[i]));
  });

  it("takes what a job's own write found for a read", async () => {
    const held = new HeldJobs({ db: counted, log: createLogger('silent') }, WORKER, 30, FRESH_MS);
    const [id] = await running(1);
    const job = held.hold(id, false);
    await sleep(FRESH_MS + 20);
    held.seen(job, false);
    expect(await held.cancelRequested(job)).toBe(false);
    expect(sent.select).toBe(0);
    held.seen(job, true);
    expect(await held.cancelRequested(job)).toBe(true);
    expect(sent.select).toBe(0);
    held.release(id, job);
  });

  it('renews every lease it holds in one statement, and marks lost a job another worker took over', async () => {
    // A lease of 1 s is renewed every third of it.
    const held = new HeldJobs({ db: counted, log: createLogger('silent') }, WORKER, 1, FRESH_MS);
    const ids = await running(3);
    const before = new Date(Date.now() + 30_000);
    await store.db.update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(inArray(jobs.id, ids));
    const mine = ids.map((id) => held.hold(id, false));
    // Another worker takes the third over.
    await store.db.update(jobs).set({ lockedBy: 'worker-b', lockedUntil: before }).where(eq(jobs.id, ids[2]));

    await until(() => mine[2].leaseLost);
    const rows = await store.db.select({ id: jobs.id, lockedBy: jobs.lockedBy, lockedUntil: jobs.lockedUntil }).from(jobs).where(inArray(jobs.id, ids));
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of ids.slice(0, 2)) expect(byId.get(id)!.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(byId.get(ids[2])!.lockedBy).toBe('worker-b');
    expect(mine.map((j) => j.leaseLost)).toEqual([false, false, true]);
    // One statement renewed them all, each time.
    expect(sent.update).toBeGreaterThanOrEqual(1);
    expect(sent.update).toBeLessThanOrEqual(2);

    // Released, nothing is renewed any longer.
    ids.forEach((id, i) => held.release(id, mine[i]));
    const after = sent.update;
    await sleep(800);
    expect(sent.update).toBe(after);
  });

  it('keeps watching a job taken again when the hold before ends', async () => {
    const held = new HeldJobs({ db: counted, log: createLogger('silent') }, WORKER, 1, FRESH_MS);
    const [id] = await running(1);
    await store.db.update(jobs).set({ lockedUntil: sql`now() - interval '1 second'` }).where(eq(jobs.id, id));
    const first = held.hold(id, false);
    const again = held.hold(id, false);
    // The second claim could only take the job once the first's lease ran out: the first lets go.
    expect(first.leaseLost).toBe(true);
    // The first attempt ends after the second took the job: the second is still held.
    held.release(id, first);
    await store.db.update(jobs).set({ cancelRequestedAt: new Date() }).where(eq(jobs.id, id));
    await sleep(FRESH_MS + 20);
    expect(await held.cancelRequested(again)).toBe(true);
    // Its lease is renewed (it had run out), and it is not taken for lost.
    const leaseEnd = async () => (await store.db.select({ lockedUntil: jobs.lockedUntil }).from(jobs).where(eq(jobs.id, id)))[0].lockedUntil!.getTime();
    for (const deadline = Date.now() + 2000; (await leaseEnd()) < Date.now() && Date.now() < deadline; ) await sleep(50);
    expect(await leaseEnd()).toBeGreaterThan(Date.now());
    expect(again.leaseLost).toBe(false);
    held.release(id, again);
  });
});
