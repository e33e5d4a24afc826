import 'reflect-metadata';
import Redis from 'ioredis';
import { loadConfig, type Config } from '../config';
import { importUsers, type ImportReport } from '../graph/user/user.import';
import { createLogger } from '../logger';
import { RedisPubSub } from '../pubsub/redis';
import { openStore } from '../store/db';
import { RowCache } from '../store/row-cache';
import { readJsonFile, runCommand, UsageError } from './common';

/*
 * npm run import:users -- users.json
 *
 * Imports the old portal's users into the configured database (DATABASE_URL, else the embedded
 * PGlite under DATA_DIR: stop the gateway first, PGlite serves one process at a time).
 * With REDIS_URL, running gateways and workers are told of the users it changed, so that they
 * read them again at once (without it, their kept rows run out within STORE_CACHE_MS).
 * Exit codes: 0 imported, 1 nothing imported (problems in the file, or a failure), 2 usage.
 * Problems name fields, never values, so a password hash is never printed.
 */

const USAGE = 'usage: npm run import:users -- <users.json>   (an array of portal users or the portal envelope {"results": [...]})';

function summary(file: string, report: ImportReport): string {
  return `${file}: ${report.total} records, ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged`;
}

function problemList(file: string, report: ImportReport): string {
  const count = `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`;
  return [`${file}: nothing imported, ${count}:`, ...report.problems.map((p) => `  ${p}`)].join('\n');
}

async function run(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.length !== 1) throw new UsageError(USAGE);
  const file = args[0];
  const records = await readJsonFile(file);
  const config = loadConfig();
  const store = await openStore(config.database);
  const processes = config.redis ? tellProcesses(config.redis, config.logLevel) : null;
  try {
    const report = await importUsers({ db: store.db, rows: processes?.rows }, records);
    if (!report.ok) {
      process.stderr.write(`${problemList(file, report)}\n`);
      return 1;
    }
    process.stdout.write(`${summary(file, report)}\n`);
    return 0;
  } finally {
    await processes?.close();
    await store.close();
  }
}

/** The other processes' kept rows, reached over Redis: this process keeps none itself. */
function tellProcesses(redis: NonNullable<Config['redis']>, logLevel: string) {
  const log = createLogger(logLevel);
  const client = new Redis(redis.url, { maxRetriesPerRequest: 2 });
  client.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const pubsub = new RedisPubSub(client, redis.prefix, log);
  return {
    rows: new RowCache({ ttlMs: 0, pubsub, log }),
    close: async () => {
      await pubsub.close();
      client.disconnect();
    },
  };
}

runCommand(run, 'import failed, nothing imported');
