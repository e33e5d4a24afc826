import type { Db } from '../../src/store/db';
import { pollDelay, remainingByProgress, TypicalDurations, typicalDurationsOf } from '../../src/jobs/journal';

/*
 * The wait before a job's next poll of its cloud: aimed at the end that the work's progress, or
 * the typical duration of its kind, foretells, within the poll policy's bounds.
 */
describe('the poll aimed at the foretold end', () => {
  it('foretells the end from the progress at the same pace', () => {
    // 50 % after 1 s: due in 1 s; 75 % after 1.5 s: due in 0.5 s.
    expect(remainingByProgress(50, 1000)).toBe(1000);
    expect(remainingByProgress(75, 1500)).toBe(500);
  });

  it('aims a little after the foretold end, and says the wait reaches it', () => {
    expect(pollDelay(1000, 0, 800)).toEqual({ ms: 1025, atEnd: true });
    expect(pollDelay(remainingByProgress(75, 1500), 0, 1600)).toEqual({ ms: 525, atEnd: true });
  });

  it('never waits longer than the longest poll; such a wait does not reach the end', () => {
    // 10 % after 3 s foretells 27 s more; the poll still comes within 2 s.
    expect(pollDelay(remainingByProgress(10, 3000), 0, 2000)).toEqual({ ms: 2000, atEnd: false });
    // A typical 3 s create just begun: not 3 s at once.
    expect(pollDelay(3000, 0, 100)).toEqual({ ms: 2000, atEnd: false });
  });

  it('doubles from 100 ms while nothing foretells the end', () => {
    expect(pollDelay(undefined, 0, 100)).toEqual({ ms: 100, atEnd: false });
    expect(pollDelay(undefined, 0, 800)).toEqual({ ms: 800, atEnd: false });
  });

  it('after a poll at the foretold end finds the work under way, asks again soon, then ever less often up to the longest poll', () => {
    // 99 % after 29.5 s: due in about 0.3 s, whatever the time waited so far.
    expect(pollDelay(remainingByProgress(99, 29_500), 0, 2000).ms).toBe(323);
    // Past the typical end: 100 ms after the first miss, then 200, 400 … 2 s (a cloud stuck near the end is not asked ever faster).
    expect([1, 2, 3, 4, 5, 6].map((misses) => pollDelay(-500, misses, 2000).ms)).toEqual([200, 400, 800, 1600, 2000, 2000]);
    expect(pollDelay(-500, 0, 2000)).toEqual({ ms: 100, atEnd: true });
    // Stuck at 99 % after 10 s, third miss in a row: not sooner than 800 ms.
    expect(pollDelay(remainingByProgress(99, 10_000), 3, 2000).ms).toBe(800);
  });
});

describe('typical durations', () => {
  it('start at the first duration seen, then move a quarter of the way to each new one', () => {
    const typical = new TypicalDurations();
    expect(typical.of('cs1:createInstance')).toBeUndefined();
    typical.record('cs1:createInstance', 3000);
    expect(typical.of('cs1:createInstance')).toBe(3000);
    typical.record('cs1:createInstance', 7000);
    expect(typical.of('cs1:createInstance')).toBe(4000);
    // Another kind or datacenter is its own.
    expect(typical.of('cs2:createInstance')).toBeUndefined();
  });

  it('keep at most their limit of kinds, forgetting the oldest', () => {
    const typical = new TypicalDurations(2);
    typical.record('a', 1);
    typical.record('b', 2);
    typical.record('c', 3);
    expect([typical.of('a'), typical.of('b'), typical.of('c')]).toEqual([undefined, 2, 3]);
  });

  it("are the process's, per database: every journal of an app learns from the same jobs, another app's are its own", () => {
    const db = {} as Db;
    typicalDurationsOf(db).record('cs1:createInstance', 3000);
    expect(typicalDurationsOf(db).of('cs1:createInstance')).toBe(3000);
    expect(typicalDurationsOf({} as Db).of('cs1:createInstance')).toBeUndefined();
  });
});
