import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import Redis from 'ioredis';
import { JobJournal } from '../src/jobs/journal';
import { RedisPubSub } from '../src/pubsub/redis';
import { openStore } from '../src/store/db';
import { log } from './harness';

/*
 * The worker side of scenario 4 (bench/fanout.ts), in a thread of its own so that its
 * schedule does not wait behind the clients' messages: job progress written and published
 * through the job journal, as a worker's job does, on the gateways' Redis.
 */

export interface PublisherData {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  jobIds: string[];
}

/** `burst`: `rate` events/s for `seconds`, round-robin over the jobs; `each`: one event per job. */
export type PublisherCommand = { kind: 'burst'; rate: number; seconds: number } | { kind: 'each' } | { kind: 'close' };

export interface PublisherReply {
  /** Per job, the seq of its last event. */
  seqs: number[];
  total: number;
  elapsed: number;
}

async function main() {
  const data = workerData as PublisherData;
  const store = await openStore({ kind: 'postgres', url: data.databaseUrl, poolSize: Math.min(10, data.jobIds.length) });
  const redis = new Redis(data.redisUrl, { maxRetriesPerRequest: 2 });
  const pubsub = new RedisPubSub(redis, data.redisPrefix, log);
  const journal = new JobJournal({ db: store.db, pubsub, log, deadlineSeconds: 3600 });
  const seqs = data.jobIds.map(() => 0);
  let progress = 0;
  const publish = async (job: number) => {
    // Counted once written and published, so that a caught-up client has them all.
    progress = (progress + 1) % 100;
    await journal.event(data.jobIds[job], 'RUNNING', progress, 'benchmark progress');
    seqs[job]++;
  };

  parentPort!.on('message', async (command: PublisherCommand) => {
    const start = performance.now();
    let total = 0;
    if (command.kind === 'close') {
      await pubsub.close();
      redis.disconnect();
      await store.close();
      parentPort!.close();
      return;
    }
    if (command.kind === 'each') {
      for (let job = 0; job < seqs.length; job++) await publish(job);
      total = seqs.length;
    } else {
      // On schedule; one that is late goes at once, and the rate achieved is reported. One
      // job's events go one after another (their seqs are taken in the order they are
      // written), the jobs' side by side: a worker runs its jobs at once, each a sequence.
      total = Math.round(command.rate * command.seconds);
      const chains = seqs.map(() => Promise.resolve());
      for (let i = 0; i < total; i++) {
        const wait = start + (i * 1000) / command.rate - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const job = i % seqs.length;
        chains[job] = chains[job].then(() => publish(job));
      }
      await Promise.all(chains);
    }
    const reply: PublisherReply = { seqs: [...seqs], total, elapsed: (performance.now() - start) / 1000 };
    parentPort!.postMessage(reply);
  });
  parentPort!.postMessage('ready');
}

void main();
