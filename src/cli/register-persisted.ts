import 'reflect-metadata';
import { loadConfig } from '../config';
import { AppError } from '../errors';
import { registerManifest } from '../graph/persisted/persisted.store';
import { graphSchema } from '../graph/schema';
import { openStore } from '../store/db';
import { readJsonFile, runCommand, UsageError } from './common';

/*
 * npm run persisted:register -- --client <name> --version <v> [--file operations/generated/persisted-operations.json]
 *
 * Registers a client's persisted-operation manifest (Apollo's format, as `npm run codegen`
 * writes it) into the configured database (DATABASE_URL, else the embedded PGlite under
 * DATA_DIR: stop the gateway first, PGlite serves one process at a time), with the checks of
 * the registerPersistedOperations mutation. A version never changes: the same manifest again
 * changes nothing, another one under the same version is refused.
 * Exit codes: 0 registered (or already), 1 refused or failed, 2 usage.
 */

const DEFAULT_FILE = 'operations/generated/persisted-operations.json';
const USAGE = `usage: npm run persisted:register -- --client <name> --version <version> [--file ${DEFAULT_FILE}]`;

function options(args: string[]): { client: string; version: string; file: string } {
  const given = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const match = /^--(client|version|file)(?:=(.*))?$/.exec(args[i]);
    if (!match) throw new UsageError(`unknown argument ${args[i]}\n${USAGE}`);
    const value = match[2] ?? args[++i];
    if (value === undefined || value === '') throw new UsageError(`--${match[1]} needs a value\n${USAGE}`);
    given.set(match[1], value);
  }
  const client = given.get('client');
  const version = given.get('version');
  if (!client || !version) throw new UsageError(USAGE);
  return { client, version, file: given.get('file') ?? DEFAULT_FILE };
}

async function run(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { client, version, file } = options(args);
  const manifest = await readJsonFile(file);
  const config = loadConfig();
  const store = await openStore(config.database);
  try {
    const registered = await registerManifest(store.db, graphSchema(), { clientName: client, version, manifest });
    const what = `${registered.clientName} ${registered.version}: ${registered.operationCount} operations`;
    process.stdout.write(registered.created ? `registered ${what}\n` : `${what}, registered already (${registered.registeredAt.toISOString()}); nothing changed\n`);
    return 0;
  } finally {
    await store.close();
  }
}

runCommand(run, 'registration failed, nothing registered', (err) => {
  if (!(err instanceof AppError)) return null;
  const problems = err.details.fields?.length ? err.details.fields.map((f) => `  ${f.field}: ${f.message}`) : [`  ${err.message}`];
  process.stderr.write(`refused (${err.code}), nothing registered:\n${problems.join('\n')}\n`);
  return 1;
});
