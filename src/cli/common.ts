import fs from 'node:fs/promises';
import { ConfigError } from '../config';

/** A mistake in how the command was called: its message is the whole answer (exit code 2). */
export class UsageError extends Error {}

/** A JSON file, or a UsageError saying why not (the position only: the text may hold secrets). */
export async function readJsonFile(file: string): Promise<unknown> {
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

/**
 * Runs a command's `main` and sets the exit code: its own, 2 for a usage or configuration
 * mistake, else what `explain` makes of the error (1 and `<failure>: <message>` by default).
 */
export function runCommand(main: (args: string[]) => Promise<number>, failure: string, explain: (err: unknown) => number | null = () => null): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError || err instanceof ConfigError) {
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      const explained = explain(err);
      if (explained !== null) {
        process.exitCode = explained;
        return;
      }
      process.stderr.write(`${failure}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
