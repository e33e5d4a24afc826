import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * Builds dist/ once per run: the end-to-end and CLI tests run the compiled entry points.
 * tsc emits even when types are wrong; type errors fail `npm run typecheck`, not this step.
 */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '..');
  const result = spawnSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (result.error) throw result.error;
  if (result.status !== 0) process.stderr.write(`\ntsc reported type errors (see npm run typecheck):\n${result.stdout}\n`);
}
