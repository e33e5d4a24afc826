import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../logger';
import { CloudError } from './driver';
import type { ReadHorizon } from './read-horizon';

/**
 * The HTTP client every driver call goes through: a timeout per attempt, retries with
 * exponential backoff and jitter (idempotent requests on network failures and 502/503/504;
 * any request on 429 and 503, which the server did not act on), one circuit breaker per
 * datacenter, one structured log record and one metric sample per call. URLs, headers and
 * bodies are never logged: CloudStack puts its API key and signature in the query, Keystone
 * puts passwords in bodies.
 */

export interface UpstreamRequest {
  /** A stable name for logs and metrics, e.g. `nova.servers.list`, `cloudstack.listVirtualMachines`. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Safe to send twice. Default: GET, HEAD, PUT, DELETE. */
  idempotent?: boolean;
  /**
   * Statuses of 500 and above that are the cloud's verdict on the request, not a sign of ill
   * health: CloudStack answers "not yours" (531), "over the limit" (532), "in use" (536)… with
   * them. They are neither retried nor counted by the breaker.
   */
  verdictStatuses?: readonly number[];
  /**
   * A read that may share an identical one already under way (`ReadHorizon`): `key` names what
   * is read and as whom (never logged), `horizon` how old a call it may join.
   */
  share?: { key: string; horizon: ReadHorizon };
}

export interface UpstreamResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Attempts it took (1 = the first answered). A 404 to a resent DELETE means the first one worked. */
  attempts: number;
}

const parsedAnswers = new WeakMap<UpstreamResponse, unknown>();
/** Under tests, what a shared answer parses to is frozen: a reader that changed it would change it for all. */
const FREEZE_SHARED = process.env.NODE_ENV === 'test';

/**
 * The body of an answer that may be shared (`UpstreamRequest.share`), parsed by `parse` once
 * for all who share it. What it gives is read, never changed: under NODE_ENV=test it is
 * deep-frozen, so that any change throws in the test suite.
 */
export function sharedBody<T>(res: UpstreamResponse, parse: (text: string) => T): T {
  if (parsedAnswers.has(res)) return parsedAnswers.get(res) as T;
  const body = parse(res.text);
  if (FREEZE_SHARED) deepFreeze(body);
  parsedAnswers.set(res, body);
  return body;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
}

export interface UpstreamOptions {
  /** Per-attempt timeout, ms. @default 15000 */
  timeoutMs?: number;
  /** Attempts in all, first included. @default 3 */
  maxAttempts?: number;
  /** First backoff delay, ms; doubles with jitter. @default 200 */
  backoffInitialMs?: number;
  /** Longest backoff delay, ms. @default 5000 */
  backoffMaxMs?: number;
  /** Consecutive failed calls that open the breaker. @default 5 */
  breakerThreshold?: number;
  /** How long an open breaker refuses calls before letting one through, ms. @default 10000 */
  breakerHalfOpenAfterMs?: number;
}

export interface UpstreamObserver {
  observe(sample: { datacenter: string; operation: string; outcome: string; seconds: number }): void;
  /** A read answered by a call already under way (`UpstreamRequest.share`): no call of its own. */
  shared?(sample: { datacenter: string; operation: string }): void;
}

const DEFAULTS: Required<UpstreamOptions> = {
  timeoutMs: 15_000,
  maxAttempts: 3,
  backoffInitialMs: 200,
  backoffMaxMs: 5_000,
  breakerThreshold: 5,
  breakerHalfOpenAfterMs: 10_000,
};

/** A failed attempt the retry policy and the breaker look at. */
class AttemptFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'network' | 'status',
    readonly status: number | null,
    readonly response: UpstreamResponse | null,
    options?: { cause?: unknown },
  ) {
    super(kind === 'status' ? `HTTP ${status}` : kind, options);
  }
}

/** The calls of one datacenter share this: one breaker for admin and tenant calls alike. */
export class Upstream {
  private readonly options: Required<UpstreamOptions>;
  private readonly breaker: CircuitBreakerPolicy;
  /** Shareable reads under way, by key: when each began (performance.now(); Infinity until sent) and its answer. */
  private readonly reads = new Map<string, { began: number; answer: Promise<UpstreamResponse> }>();

  constructor(
    private readonly datacenter: string,
    private readonly log: Logger,
    private readonly observer: UpstreamObserver | null,
    options: UpstreamOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    // The datacenter is unhealthy when it does not answer or answers 5xx; 4xx are its verdicts.
    this.breaker = circuitBreaker(
      handleWhen((err) => err instanceof AttemptFailure && (err.kind !== 'status' || (err.status ?? 0) >= 500)),
      { halfOpenAfter: this.options.breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(this.options.breakerThreshold) },
    );
  }

  /**
   * Sends the request; answers any HTTP status the retries end with. Throws CloudError only when
   * no answer came. A shareable read joins the same read under way if that one began after its
   * horizon (one answer, one log record and metric sample, for all who asked).
   */
  request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const share = req.share;
    if (!share) return this.call(req);
    const under = this.reads.get(share.key);
    if (under && under.began > share.horizon.since) {
      this.observer?.shared?.({ datacenter: this.datacenter, operation: req.operation });
      return under.answer;
    }
    // Sent at the next turn of the event loop, not now: the requests that arrived together, whose
    // handlers this turn runs one after another, reach it before it begins, so it is theirs too.
    const read: { began: number; answer: Promise<UpstreamResponse> } = {
      began: Infinity,
      answer: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        read.began = performance.now();
        return this.call(req);
      }),
    };
    this.reads.set(share.key, read);
    const done = () => {
      if (this.reads.get(share.key) === read) this.reads.delete(share.key);
    };
    read.answer.then(done, done);
    return read.answer;
  }

  private async call(req: UpstreamRequest): Promise<UpstreamResponse> {
    const idempotent = req.idempotent ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(req.method);
    const policy = retry(
      handleWhen((err) => {
        if (!(err instanceof AttemptFailure)) return false;
        if (err.kind === 'status') return err.status === 429 || err.status === 503 || (idempotent && (err.status === 502 || err.status === 504));
        return idempotent;
      }),
      {
        maxAttempts: this.options.maxAttempts - 1,
        backoff: new ExponentialBackoff({ initialDelay: this.options.backoffInitialMs, maxDelay: this.options.backoffMaxMs }),
      },
    );
    let attempt = 0;
    try {
      return await policy.execute(() => this.breaker.execute(() => this.attempt(req, ++attempt)));
    } catch (err) {
      if (err instanceof AttemptFailure && err.response) return err.response;
      throw this.unavailable(req, err);
    }
  }

  private async attempt(req: UpstreamRequest, attempt: number): Promise<UpstreamResponse> {
    const started = process.hrtime.bigint();
    let outcome = 'network_error';
    let status: number | null = null;
    try {
      const res = await send(req, this.options.timeoutMs);
      status = res.status;
      // Assigned, not spread: a spread would read the headers getter and build them every time.
      const response: UpstreamResponse = Object.assign(res, { attempts: attempt });
      const verdict = status < 500 || (req.verdictStatuses?.includes(status) ?? false);
      outcome = status < 400 ? 'ok' : verdict ? 'client_error' : 'server_error';
      if (status === 429 || !verdict) throw new AttemptFailure('status', status, response);
      return response;
    } catch (err) {
      if (err instanceof AttemptFailure) throw err;
      const timedOut = err instanceof AttemptTimeout;
      outcome = timedOut ? 'timeout' : 'network_error';
      throw new AttemptFailure(timedOut ? 'timeout' : 'network', null, null, { cause: err });
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.observer?.observe({ datacenter: this.datacenter, operation: req.operation, outcome, seconds });
      this.log.info(
        { datacenter: this.datacenter, operation: req.operation, method: req.method, status, outcome, attempt, durationMs: Math.round(seconds * 1000) },
        'upstream call',
      );
    }
  }

  private unavailable(req: UpstreamRequest, err: unknown): CloudError {
    if (err instanceof BrokenCircuitError) {
      this.observer?.observe({ datacenter: this.datacenter, operation: req.operation, outcome: 'circuit_open', seconds: 0 });
      return new CloudError(
        'UPSTREAM_UNAVAILABLE',
        `Datacenter ${this.datacenter} is not answering; calls are paused for a while.`,
        { message: 'circuit open' },
        this.datacenter,
        { cause: err },
      );
    }
    const kind = err instanceof AttemptFailure ? err.kind : 'network';
    return new CloudError(
      'UPSTREAM_UNAVAILABLE',
      kind === 'timeout' ? `Datacenter ${this.datacenter} did not answer in time.` : `Datacenter ${this.datacenter} could not be reached.`,
      { message: kind },
      this.datacenter,
      { cause: err },
    );
  }
}

class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
  }
}

/**
 * One HTTP exchange on node:http(s) (their global agents keep connections alive): the status,
 * the body as text, and the headers, made into a `Headers` only when asked for (login answers).
 * Not fetch: undici's fetch costs several times as much CPU and garbage per call (a Request,
 * web streams, an AbortSignal and a timer each), and a console query makes dozens of calls.
 * Redirects are not followed. `timeoutMs` bounds the whole exchange, body included.
 */
function send(req: UpstreamRequest, timeoutMs: number): Promise<Omit<UpstreamResponse, 'attempts'>> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const request = (url.protocol === 'https:' ? https : http).request(url, { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      // A connection cut before the end of the body (no 'end'): a network failure.
      res.on('close', () => {
        if (!res.complete) fail(new Error('connection closed before the end of the answer'));
      });
      res.on('end', () => {
        clearTimeout(timer);
        const raw = res.rawHeaders;
        let parsed: Headers | undefined;
        resolve({
          status: res.statusCode ?? 0,
          text: (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8'),
          get headers() {
            if (!parsed) {
              parsed = new Headers();
              for (let i = 0; i + 1 < raw.length; i += 2) parsed.append(raw[i], raw[i + 1]);
            }
            return parsed;
          },
        });
      });
    });
    // Once timed out, whatever error the cut connection then raises is the timeout.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      fail(new AttemptTimeout(timeoutMs));
      request.destroy();
    }, timeoutMs);
    function fail(err: Error) {
      clearTimeout(timer);
      reject(timedOut ? new AttemptTimeout(timeoutMs) : err);
    }
    request.on('error', fail);
    request.end(req.body);
  });
}
