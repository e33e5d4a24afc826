import { DelayedError, Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import type { Logger } from '../logger';
import type { JobQueue, Redelivery } from './queue';

const QUEUE_NAME = 'jobs';
/** BullMQ states in which the entry will still reach a worker. */
const LIVE_STATES = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

/**
 * BullMQ on Redis as the carrier: an entry per job, named by the job's id (so a second push of
 * a queued job is a no-op), removed once a worker is done with it. BullMQ hands an entry whose
 * worker died to another; the job's lease in the table decides who runs it.
 */
export class BullQueue implements JobQueue {
  readonly name = 'bullmq' as const;
  private readonly connection: Redis;
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private workerConnection: Redis | null = null;

  constructor(
    url: string,
    keyPrefix: string,
    private readonly log: Logger,
    /** The job lease (JOB_LEASE_SECONDS): BullMQ's lock on an entry lasts as long, so a dead worker's entries come back as soon as its jobs may be taken over. */
    private readonly leaseMs: number,
  ) {
    // BullMQ's own connection: its blocking reads need maxRetriesPerRequest null.
    this.connection = new Redis(url, { maxRetriesPerRequest: null });
    this.connection.on('error', (err) => log.warn({ err: err.message }, 'job queue: redis error'));
    this.prefix = keyPrefix.replace(/:+$/, '') || 'bull';
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix: this.prefix });
    this.queue.on('error', (err) => log.warn({ err: err.message }, 'job queue error'));
  }

  private readonly prefix: string;

  async push(jobId: string, delayMs = 0): Promise<void> {
    await this.queue.add('run', {}, { jobId, delay: Math.max(0, delayMs), removeOnComplete: true, removeOnFail: true, attempts: 1 });
  }

  async holds(jobId: string): Promise<boolean> {
    const entry = await this.queue.getJob(jobId);
    if (!entry) return false;
    return LIVE_STATES.has(await entry.getState());
  }

  async consume(run: (jobId: string) => Promise<Redelivery>, concurrency: number): Promise<void> {
    this.workerConnection = this.connection.duplicate();
    this.worker = new Worker(
      QUEUE_NAME,
      async (entry, token) => {
        const again = await run(entry.id!);
        if (!again) return;
        // The same entry, delayed: pushing its id now would be dropped as a duplicate of the one being run.
        await entry.moveToDelayed(Date.now() + Math.max(0, again.retryInMs), token);
        throw new DelayedError();
      },
      {
        connection: this.workerConnection,
        prefix: this.prefix,
        concurrency,
        lockDuration: this.leaseMs,
        stalledInterval: this.leaseMs,
        // Whether a job may run again is the job table's to say (its lease), not a count of stalls.
        maxStalledCount: Number.MAX_SAFE_INTEGER,
      },
    );
    // Redis flushed under an entry being run: BullMQ cannot mark it done; the job table already has.
    this.worker.on('error', (err) => this.log.warn({ err: err.message }, 'job worker: queue error'));
    await this.worker.waitUntilReady();
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.workerConnection?.disconnect();
    this.connection.disconnect();
  }
}
