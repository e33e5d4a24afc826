import fs from 'node:fs';
import path from 'node:path';
import { ENV_VARIABLES, loadConfig } from '../../src/config';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

describe('documentation stays true to the code', () => {
  it('.env.example lists every variable, and its defaults are the code defaults', () => {
    const example = read('.env.example');
    const assigned = new Map(
      example
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    expect([...assigned.keys()].sort()).toEqual([...ENV_VARIABLES].sort());
    // Loading the example as an environment gives the same config as loading nothing.
    const fromExample = loadConfig(Object.fromEntries(assigned), { inMemory: true });
    expect(fromExample).toEqual(loadConfig({}, { inMemory: true }));
  });

  it('the README configuration table names every variable', () => {
    const readme = read('README.md');
    for (const name of ENV_VARIABLES) expect(readme).toContain(`\`${name}\``);
  });

  it('the README opens with the two commands, and .ci/run calls the test command', () => {
    const head = read('README.md').split('\n').slice(0, 10).join('\n');
    expect(head).toContain('npm ci && npm start');
    expect(head).toContain('npm ci && npm test');
    expect(read('.ci/run')).toMatch(/\bnpm test\b/);
  });
});
