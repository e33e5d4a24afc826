import 'reflect-metadata';
import { buildApp } from './app';
import { configOrExit, runMain, stopOnSignals } from './lifecycle';

/** A worker process: runs jobs from the queue (BullMQ with REDIS_URL, else the job table), serves nothing. */
async function main() {
  const config = configOrExit('ecsgraph worker');
  const app = buildApp(config, { role: 'worker' });
  await app.start();
  process.stdout.write(`ecsgraph worker is up (${config.redis ? 'BullMQ on Redis' : 'job table'}, ${config.jobs.concurrency} at once)\n`);
  stopOnSignals(app);
}

runMain('ecsgraph worker', main);
