import { aimedDelay } from '../../src/jobs/journal';

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
