import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * What both simulators share: call counting (`GET /_sim/stats`, `POST /_sim/reset`), fault
 * injection (`GET|POST /_sim/faults`), the speed of time-driven transitions, and the HTTP
 * server around them. The cloud-specific part is a `SimHandler` that answers the real paths.
 */

export interface Faults {
  /** Added to every cloud call, ms. */
  latencyMs: number;
  /** Fraction (0..1) of cloud calls answered with `errorStatus`. */
  errorRate: number;
  /** Status of injected errors. @default 503 */
  errorStatus: number;
  /** Operations (as counted in stats) that always fail with `errorStatus`. */
  failingOperations: string[];
  /** Every cloud call hangs up without an answer (connection destroyed). */
  outage: boolean;
  /** Every cloud call waits this long before answering, ms (for client timeouts). */
  hangMs: number;
  /** Answers are made at once and sent this much later, ms: a slow way back, so what they tell is that old when they arrive. */
  answerDelayMs: number;
  /** The operations `answerDelayMs` slows; empty, every one. */
  answerDelayOperations: string[];
}

export const NO_FAULTS: Faults = { latencyMs: 0, errorRate: 0, errorStatus: 503, failingOperations: [], outage: false, hangMs: 0, answerDelayMs: 0, answerDelayOperations: [] };

export interface SimOptions {
  /**
   * Multiplies the simulated durations of transitions (a server build of ~3 s, a CloudStack
   * job of ~1 s…). 1 = real-ish seconds for demos, 0 = done on the next poll (tests).
   * @default 1
   */
  timeScale?: number;
  /** Latency added to every call, ms (benchmarks). @default 0 */
  latencyMs?: number;
  /** Told of every cloud call as it arrives (benchmarks: which calls wait on which). */
  onCall?: (operation: string) => void;
}

/** Counts calls per operation; an operation is what the cloud would log (`nova.servers.detail`, `listVirtualMachines`). */
export class SimStats {
  private counts = new Map<string, number>();
  private total = 0;

  count(operation: string): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
    this.total++;
  }

  snapshot(): { total: number; operations: Record<string, number> } {
    return { total: this.total, operations: Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b))) };
  }

  reset(): void {
    this.counts.clear();
    this.total = 0;
  }
}

/** The answer of a simulated cloud call. */
export interface SimResponse {
  status: number;
  body?: unknown;
  /** Sent as is when set (non-JSON bodies). */
  raw?: string;
  /** An array sends the header once per value (Set-Cookie). */
  headers?: Record<string, string | string[]>;
}

export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  /** The raw body. */
  body: string;
  /** The body parsed as JSON, or undefined. */
  json: unknown;
}

/**
 * A cloud's request handler: names the operation (for stats and faults) and answers it.
 * `operation` is called first so that faults can replace the answer.
 */
export interface SimHandler {
  operation(req: SimRequest): string;
  handle(req: SimRequest): Promise<SimResponse> | SimResponse;
}

export interface RunningSim {
  url: string;
  port: number;
  stats: SimStats;
  faults: Faults;
  setFaults(faults: Partial<Faults>): void;
  close(): Promise<void>;
}

/** Time in a simulator: `after(ms)` tells whether a transition begun at `since` has finished. */
export class SimClock {
  constructor(private readonly timeScale: number) {}

  now(): number {
    return Date.now();
  }

  /** True when `ms` (scaled) have passed since `since`. */
  elapsed(since: number, ms: number): boolean {
    return Date.now() - since >= ms * this.timeScale;
  }

  /** 0..100 of a transition of `ms` begun at `since`. */
  progress(since: number, ms: number): number {
    const total = ms * this.timeScale;
    if (total <= 0) return 100;
    return Math.min(100, Math.floor(((Date.now() - since) / total) * 100));
  }
}

export async function startSimServer(
  handler: SimHandler,
  options: { port?: number; host?: string; latencyMs?: number; onReset?: () => void; onCall?: (operation: string) => void } = {},
): Promise<RunningSim> {
  const stats = new SimStats();
  let faults: Faults = { ...NO_FAULTS, latencyMs: options.latencyMs ?? 0 };
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { error: String(err) } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sim');
    const body = await readBody(req);
    if (url.pathname.startsWith('/_sim/')) return control(req.method ?? 'GET', url.pathname, body, res);

    let json: unknown;
    if (body && /json/i.test(req.headers['content-type'] ?? '')) {
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
    }
    const simReq: SimRequest = { method: req.method ?? 'GET', url, headers: req.headers, body, json };
    const operation = handler.operation(simReq);
    stats.count(operation);
    options.onCall?.(operation);

    if (faults.outage) {
      req.socket.destroy();
      return;
    }
    if (faults.hangMs > 0) await sleep(faults.hangMs);
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.failingOperations.includes(operation) || (faults.errorRate > 0 && Math.random() < faults.errorRate)) {
      return send(res, { status: faults.errorStatus, body: { error: 'injected fault', operation } });
    }
    const answer = await handler.handle(simReq);
    if (faults.answerDelayMs > 0 && (!faults.answerDelayOperations.length || faults.answerDelayOperations.includes(operation))) {
      // Written out now: the answer must not take in what changes while it is on its way.
      const frozen: SimResponse =
        answer.raw === undefined && answer.body !== undefined
          ? { ...answer, raw: JSON.stringify(answer.body), headers: { 'content-type': 'application/json', ...answer.headers } }
          : answer;
      await sleep(faults.answerDelayMs);
      return send(res, frozen);
    }
    send(res, answer);
  }

  function control(method: string, path: string, body: string, res: ServerResponse) {
    if (path === '/_sim/stats' && method === 'GET') return send(res, { status: 200, body: stats.snapshot() });
    if (path === '/_sim/reset' && method === 'POST') {
      stats.reset();
      options.onReset?.();
      return send(res, { status: 204 });
    }
    if (path === '/_sim/faults' && method === 'GET') return send(res, { status: 200, body: faults });
    if (path === '/_sim/faults' && method === 'POST') {
      faults = { ...NO_FAULTS, ...(body ? (JSON.parse(body) as Partial<Faults>) : {}) };
      return send(res, { status: 200, body: faults });
    }
    return send(res, { status: 404, body: { error: 'no such control endpoint' } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    get faults() {
      return faults;
    },
    setFaults(next) {
      faults = { ...NO_FAULTS, ...next };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, response: SimResponse) {
  const headers: Record<string, string | string[]> = { ...response.headers };
  let payload = '';
  if (response.raw !== undefined) payload = response.raw;
  else if (response.body !== undefined) {
    payload = JSON.stringify(response.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(response.status, { ...headers, 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Unref'd: an injected delay never keeps a process (or a test worker) alive on its own. */
function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
