import 'reflect-metadata';
import { buildApp } from './app';
import { ConfigError, loadConfig } from './config';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ecsgraph: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  const app = buildApp(config);
  const { url, admin, simulators } = await app.start();
  const lines = [`ecsgraph is up: GraphQL (HTTP and WebSocket) at ${url}`];
  if (config.embedded) lines.push(`  embedded mode: PGlite under ${config.dataDir}, in-process pubsub`);
  if (simulators) {
    lines.push(`  simulated datacenters: OpenStack ${simulators.openstack}, CloudStack ${simulators.cloudstack} (sim-os, sim-cs)`);
  }
  if (admin.kind === 'created' && admin.password) {
    lines.push(
      `  first administrator created — sign in with:`,
      `    login: ${admin.login}`,
      `    password: ${admin.password}   (shown this once; change it with changePassword)`,
    );
  } else if (admin.kind === 'created' || (admin.kind === 'exists' && admin.login)) {
    lines.push(`  sign in as ${admin.login} with ADMIN_PASSWORD`);
  } else if (admin.kind === 'exists') {
    lines.push(`  an administrator exists: sign in with the password printed at the first start`);
  } else {
    lines.push(`  no administrator yet: set ADMIN_LOGIN and ADMIN_PASSWORD to create one`);
  }
  lines.push(
    `  sign in: curl -s ${url} -H 'content-type: application/json' \\`,
    `    -d '{"query":"mutation { login(login: \\"<login>\\", password: \\"<password>\\") { token } }"}'`,
    `  then send: Authorization: Bearer <token>`,
  );
  // Printed, not logged: the one-time password must not land in log storage.
  process.stdout.write(lines.join('\n') + '\n');

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

main().catch((err: unknown) => {
  process.stderr.write(`ecsgraph: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
