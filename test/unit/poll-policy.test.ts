import type { Db } from '../../src/store/db';
import { aimedDelay, TypicalDurations, typicalDurationsOf, unaimedDelay } from '../../src/jobs/journal';

/*
 * The wait before a job's next poll of its cloud, when the cloud reports progress: aimed at the
 * end the progress so far foretells, within the poll policy's bounds.
 */
describe('the poll aimed by progress', () => {
  it('aims at the foretold end, a little after it', () => {
    // 50 % after 1 s: the end is due 1 s from now.
    expect(aimedDelay(50, 1000)).toBe(1025);
    // 75 % after 1.5 s: due in 0.5 s.
    expect(aimedDelay(75, 1500)).toBe(525);
  });

  it('never waits longer than the policy’s longest poll', () => {
    // 10 % after 3 s foretells 27 s more; the poll still comes within 2 s.
    expect(aimedDelay(10, 3000)).toBe(2000);
  });

  it('never asks sooner than the first poll’s delay, or a tenth of the time waited', () => {
    // Nearly done after 200 ms: not sooner than 100 ms.
    expect(aimedDelay(99, 200)).toBe(100);
    // Stuck at 99 % after 10 s: not sooner than 1 s (a cloud stuck near the end is not asked ever faster).
    expect(aimedDelay(99, 10_000)).toBe(1000);
  });
});

/*
 * Work whose cloud tells no progress (CloudStack's jobs report none): the poll aims at the end
 * that work of its kind took lately, and doubles from 100 ms while none is known.
 */
describe('the poll of work without progress', () => {
  it('doubles while no work of its kind has ended', () => {
    expect(unaimedDelay(undefined, 0, 100)).toBe(100);
    expect(unaimedDelay(undefined, 700, 800)).toBe(800);
  });

  it('aims at the typical end, a little after it, within the longest poll', () => {
    // 3 s typical, 2.1 s waited: due in 0.9 s.
    expect(unaimedDelay(3000, 2100, 1600)).toBe(925);
    // Just begun: not 3 s at once, but the longest poll (2 s).
    expect(unaimedDelay(3000, 0, 100)).toBe(2000);
  });

  it('past the typical end, asks again after a tenth of the time waited (at least 100 ms)', () => {
    expect(unaimedDelay(3000, 3100, 2000)).toBe(310);
    expect(unaimedDelay(300, 400, 400)).toBe(100);
  });
});

describe('typical durations', () => {
  it('start at the first duration seen, then move a quarter of the way to each new one', () => {
    const typical = new TypicalDurations();
    expect(typical.withoutProgress('cs1:createInstance')).toBeUndefined();
    typical.record('cs1:createInstance', 3000, false);
    expect(typical.withoutProgress('cs1:createInstance')).toBe(3000);
    typical.record('cs1:createInstance', 7000, false);
    expect(typical.withoutProgress('cs1:createInstance')).toBe(4000);
    // Another kind or datacenter is its own.
    expect(typical.withoutProgress('cs2:createInstance')).toBeUndefined();
  });

  it('are not used for work whose cloud tells progress (its progress aims the polls)', () => {
    const typical = new TypicalDurations();
    typical.record('os1:createInstance', 3000, true);
    expect(typical.withoutProgress('os1:createInstance')).toBeUndefined();
  });

  it('keep at most their limit of kinds, forgetting the oldest', () => {
    const typical = new TypicalDurations(2);
    typical.record('a', 1, false);
    typical.record('b', 2, false);
    typical.record('c', 3, false);
    expect([typical.withoutProgress('a'), typical.withoutProgress('b'), typical.withoutProgress('c')]).toEqual([undefined, 2, 3]);
  });

  it("are the process's, per database: every journal of an app learns from the same jobs, another app's are its own", () => {
    const db = {} as Db;
    typicalDurationsOf(db).record('cs1:createInstance', 3000, false);
    expect(typicalDurationsOf(db).withoutProgress('cs1:createInstance')).toBe(3000);
    expect(typicalDurationsOf({} as Db).withoutProgress('cs1:createInstance')).toBeUndefined();
  });
});
