import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

export interface Child {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout (waits for it). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A compiled entry point (dist/, built by the global setup) in a process of its own, with exactly `env` (plus PATH). */
export function startNode(script: string, env: Record<string, string | undefined>, children: Child[]): Child {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child, children);
}

/** `count` gateway processes (dist/main.js) with the same `env`, started one after the other: their URLs once each listens. */
export async function startGateways(env: Record<string, string | undefined>, children: Child[], count = 2): Promise<string[]> {
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const gateway = startNode('dist/main.js', env, children);
    urls.push((await gateway.waitFor(/GraphQL \(HTTP and WebSocket\) at (\S+)/))[1]);
  }
  return urls;
}

/** A Redis server of the test's own (so it may be flushed without touching other test files' keys). */
export async function startRedis(children: Child[]): Promise<{ url: string; server: Child }> {
  const port = await freePort();
  const server = track(
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] }),
    children,
  );
  await server.waitFor(/Ready to accept connections/);
  return { url: `redis://127.0.0.1:${port}`, server };
}

function track(child: ChildProcess, children: Child[]): Child {
  let out = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const feed = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) {
      const m = out.match(w.pattern);
      if (m) w.resolve(m);
      else waiters.push(w);
    }
  };
  child.stdout!.on('data', feed);
  child.stderr!.on('data', feed);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const handle: Child = {
    child,
    output: () => out,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      const m = out.match(pattern);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not seen within ${timeoutMs} ms: ${pattern}\n--- output ---\n${out}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: (found) => {
            clearTimeout(timer);
            resolve(found);
          },
        });
        void exited.then((code) => reject(new Error(`exited (${code}) before ${pattern}\n--- output ---\n${out}`)));
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  children.push(handle);
  return handle;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A compiled CLI on an embedded database under `dataDir`, whatever mode the suite runs in; its exit code and output. */
/** Runs a CLI on the embedded defaults under `dataDir`, or on what `env` names (DATABASE_URL, REDIS_URL…). */
export function runCli(
  cli: string,
  args: string[],
  options: { dataDir: string; cwd: string; env?: Record<string, string | undefined> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: options.dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test' };
  for (const name of ['DATABASE_URL', 'SECRET_KEY', 'REDIS_URL', 'NODE_OPTIONS']) delete env[name];
  Object.assign(env, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
