import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/processes';

/* npm run persisted:register, as its compiled entry point (dist/ is built by test/global-setup.ts). */

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli', 'register-persisted.js');
const committed = path.join(root, 'operations', 'generated', 'persisted-operations.json');
let dir: string;

beforeAll(() => {
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: the global set-up did not build`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsgraph-persisted-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[]) => runCli(cli, args, { dataDir: path.join(dir, 'data'), cwd: root });

const count = (JSON.parse(fs.readFileSync(committed, 'utf8')) as { operations: unknown[] }).operations.length;

it(
  'registers the committed manifest by default, then finds it registered; another manifest under that version is refused',
  async () => {
    const first = await run(['--client', 'console', '--version', '1.0.0']);
    expect(first).toMatchObject({ code: 0, stderr: '', stdout: `registered console 1.0.0: ${count} operations\n` });
    const again = await run(['--client=console', '--version=1.0.0', '--file', committed]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^console 1\\.0\\.0: ${count} operations, registered already .*; nothing changed\\n$`));

    const manifest = JSON.parse(fs.readFileSync(committed, 'utf8'));
    const smaller = path.join(dir, 'smaller.json');
    fs.writeFileSync(smaller, JSON.stringify({ ...manifest, operations: manifest.operations.slice(0, 1) }));
    const conflict = await run(['--client', 'console', '--version', '1.0.0', '--file', smaller]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/^refused \(CONFLICT\), nothing registered:\n {2}console 1\.0\.0 is registered already with other operations/);
    expect((await run(['--client', 'console', '--version', '1.0.1', '--file', smaller])).stdout).toBe('registered console 1.0.1: 1 operations\n');
  },
  120_000,
);

it(
  'names the fields of a bad manifest, and exits 2 on a usage error',
  async () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'x', name: 'X', type: 'query', body: '{ nope }' }] }));
    const refused = await run(['--client', 'partner', '--version', '1', '--file', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('manifest.operations.0.id: must be the sha256 of the body');

    expect((await run([])).code).toBe(2);
    expect((await run(['--client', 'x'])).stderr).toMatch(/^usage: /);
    expect((await run(['--client', 'x', '--version', '1', '--file', path.join(dir, 'absent.json')])).code).toBe(2);
  },
  120_000,
);
