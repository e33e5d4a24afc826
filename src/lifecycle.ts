import type { App } from './app';
import { ConfigError, loadConfig, type Config } from './config';

/** The environment's config, or the process ends with the reason (no stack: a setting is wrong, not the code). */
export function configOrExit(name: string): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** SIGTERM / SIGINT stop the app (in-flight work finishes or is handed on), then the process. */
export function stopOnSignals(app: App): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.deps.log.info({ signal }, 'shutting down');
    app
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        app.deps.log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Runs an entry point; a failure to start ends the process with its message. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${name}: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
