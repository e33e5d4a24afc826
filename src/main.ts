import 'reflect-metadata';
import { buildApp } from './app';
import { configOrExit, runMain, stopOnSignals } from './lifecycle';

async function main() {
  const config = configOrExit('ecsgraph');

  const app = buildApp(config);
  const { url, admin, simulators } = await app.start();
  const lines = [`ecsgraph is up: GraphQL (HTTP and WebSocket) at ${url}`];
  if (config.embedded) lines.push(`  embedded mode: PGlite under ${config.dataDir}, in-process pubsub, jobs run from the job table`);
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

  stopOnSignals(app);
}

runMain('ecsgraph', main);
