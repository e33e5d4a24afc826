import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { printGraphSchema } from '../../src/graph/schema';

/*
 * Generated files are committed; each check regenerates into a temporary place and fails
 * when the result differs from what is checked in, naming the command that fixes it.
 */

const root = path.resolve(__dirname, '..', '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

test('schema.graphql matches the code (npm run schema)', () => {
  const committed = fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8');
  expect(printGraphSchema()).toBe(committed);
});

test('drizzle/ holds a migration for every change of src/store/schema.ts (npm run db:generate)', () => {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsgraph-migrations-'));
  fs.cpSync(path.join(root, 'drizzle'), copy, { recursive: true });
  const before = fs.readdirSync(copy).sort();
  // drizzle-kit resolves --out against the working directory.
  const out = execFileSync(
    bin('drizzle-kit'),
    ['generate', '--dialect', 'postgresql', '--schema', './src/store/schema.ts', '--out', path.relative(root, copy)],
    { cwd: root, encoding: 'utf8' },
  );
  expect(out).toContain('No schema changes');
  expect(fs.readdirSync(copy).sort()).toEqual(before);
  fs.rmSync(copy, { recursive: true, force: true });
});

test('operations/generated matches schema.graphql and operations/ (npm run codegen)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsgraph-codegen-'));
  const output = path.join(dir, 'graphql.ts');
  const config = fs
    .readFileSync(path.join(root, 'codegen.yml'), 'utf8')
    .replace('operations/generated/graphql.ts:', `${JSON.stringify(output)}:`);
  const configFile = path.join(dir, 'codegen.yml');
  fs.writeFileSync(configFile, config);
  execFileSync(bin('graphql-codegen'), ['--config', configFile, '--silent'], { cwd: root, encoding: 'utf8' });
  expect(fs.readFileSync(output, 'utf8')).toBe(fs.readFileSync(path.join(root, 'operations', 'generated', 'graphql.ts'), 'utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
});
