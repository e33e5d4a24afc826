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

/** The outputs codegen.yml names (its `generates:` keys). */
const codegenConfig = fs.readFileSync(path.join(root, 'codegen.yml'), 'utf8');
const targets = [...codegenConfig.matchAll(/^ {2}(\S[^:]*):\s*$/gm)].map((m) => m[1]);

/** Every output regenerated into a temporary folder, once: none of the committed files is written. */
function regenerate(): { dir: string; outputs: Map<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecsgraph-codegen-'));
  let config = codegenConfig;
  const outputs = new Map<string, string>();
  for (const target of targets) {
    const output = path.join(dir, path.basename(target));
    outputs.set(target, output);
    config = config.replace(`\n  ${target}:`, `\n  ${JSON.stringify(output)}:`);
  }
  const configFile = path.join(dir, 'codegen.yml');
  fs.writeFileSync(configFile, config);
  execFileSync(bin('graphql-codegen'), ['--config', configFile, '--silent'], { cwd: root, encoding: 'utf8' });
  return { dir, outputs };
}

describe('operations/generated matches schema.graphql and operations/ (npm run codegen)', () => {
  let generated: ReturnType<typeof regenerate>;
  beforeAll(() => {
    generated = regenerate();
  }, 60_000);
  afterAll(() => fs.rmSync(generated.dir, { recursive: true, force: true }));

  it('codegen.yml writes the typed documents and the persisted-operations manifest', () => {
    expect(targets).toEqual(expect.arrayContaining(['operations/generated/graphql.ts', 'operations/generated/persisted-operations.json']));
  });

  it.each(targets)('%s is fresh', (target) => {
    expect(fs.readFileSync(generated.outputs.get(target)!, 'utf8')).toBe(fs.readFileSync(path.join(root, target), 'utf8'));
  });
});
