import 'reflect-metadata';
import fs from 'node:fs/promises';
import { ConfigError, loadConfig } from '../config';
import { importUsers, type ImportReport } from '../graph/user/user.import';
import { openStore } from '../store/db';

/*
 * npm run import:users -- users.json
 *
 * Imports the old portal's users into the configured database (DATABASE_URL, else the embedded
 * PGlite under DATA_DIR: stop the gateway first, PGlite serves one process at a time).
 * Exit codes: 0 imported, 1 nothing imported (problems in the file, or a failure), 2 usage.
 * Problems name fields, never values, so a password hash is never printed.
 */

const USAGE = 'usage: npm run import:users -- <users.json>   (an array of portal users or the portal envelope {"results": [...]})';

class UsageError extends Error {}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unknown error'}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes the text around the error, which may be a password hash: keep only the position.
    const position = /position (\d+)/.exec(String((err as Error).message))?.[1];
    throw new UsageError(`${file} is not valid JSON${position ? ` (at character ${position})` : ''}`);
  }
}

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
  const records = await readJson(file);
  const config = loadConfig();
  const store = await openStore(config.database);
  try {
    const report = await importUsers({ db: store.db }, records);
    if (!report.ok) {
      process.stderr.write(`${problemList(file, report)}\n`);
      return 1;
    }
    process.stdout.write(`${summary(file, report)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  process.stderr.write(`import failed, nothing imported: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = exitCodeOf(err);
  },
);
