import { performance } from 'node:perf_hooks';

/**
 * How old a call to the cloud a reader's reads may share: one begun after `since`. A reader's
 * horizon is when its work began (a request's arrival), moved on by each of its own writes and
 * whenever it wants the cloud as it is now: so what a shared answer shows is never older than
 * the request that gets it, nor than anything that request did. Reads of requests that arrive
 * together (a console's burst, a partner's batch, one page's queries) then cost one call.
 */
export class ReadHorizon {
  constructor(private at = performance.now()) {}

  get since(): number {
    return this.at;
  }

  /** From now on, share only calls begun from now on (after a write, or to see the cloud anew). */
  advance(): void {
    this.at = performance.now();
  }
}
