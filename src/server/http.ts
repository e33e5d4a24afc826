import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { getOperationAST, parse } from 'graphql';
import { CloudError } from '../clouds/driver';
import { checkAccess } from '../graph/access';
import type { Context, Viewer } from '../graph/context';
import { createServices, type AppDeps } from '../graph/services';
import { itemReports } from '../graph/work-order/work-order.report';
import { AppError, ErrorCode, forbidden, unauthenticated } from '../errors';
import { readCredential, refusal, resolveViewer, type Credential } from './auth';
import { batchRefusal, operationCount } from './batching';
import { operationLabel, type Metrics } from './metrics';
import { persistedHttpRequest } from './persisted';
import { rateLimitResponse, requestLimiter } from './rate-limit';
import { maxWaitSeconds, RequestDeadline, TIMED_OUT, timeoutBody } from './timeout';

export const GRAPHQL_PATH = '/graphql';
/** Where the billing system sends its work orders (the old portal's path). */
export const WORK_ORDER_PATH = '/api/msg/order/';

export interface HttpHandlerOptions {
  deps: AppDeps;
  apollo: ApolloServer<Context>;
  metrics: Metrics;
  /** Reports whether Redis answers; null when Redis is not configured. */
  redisPing: (() => Promise<void>) | null;
  dbPing: () => Promise<void>;
}

/** Routes /graphql to Apollo, plus the billing system's work orders, /healthz, /readyz and /metrics. */
export function createHttpHandler(options: HttpHandlerOptions) {
  const { deps } = options;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      switch (url.pathname) {
        case GRAPHQL_PATH:
          return await graphql(options, req, res, url, requestId);
        case WORK_ORDER_PATH:
        case WORK_ORDER_PATH.slice(0, -1):
          return await workOrder(options, req, res, requestId);
        case '/healthz':
          return sendJson(res, 200, { status: 'ok' });
        case '/readyz':
          return await ready(options, res);
        case '/metrics':
          res.setHeader('content-type', options.metrics.registry.contentType);
          res.end(await options.metrics.registry.metrics());
          return;
        default:
          return sendJson(res, 404, { error: 'not found' });
      }
    } catch (err) {
      deps.log.error({ err, requestId }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, graphqlError('Unexpected error.', ErrorCode.INTERNAL_SERVER_ERROR));
      else res.destroy();
    }
  };
}

async function graphql(
  options: HttpHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<void> {
  const { deps, apollo } = options;
  const started = process.hrtime.bigint();
  const arrivedAt = performance.now();
  const body = await readBody(req, deps.config.http.maxBodyBytes);
  if (body === 'too-large') {
    return sendJson(res, 413, graphqlError(`Request body over ${deps.config.http.maxBodyBytes} bytes.`, 'BAD_REQUEST'));
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  let parsed: unknown = body;
  if (body.length > 0 && /^application\/(graphql-response\+)?json\b/i.test(headers.get('content-type') ?? '')) {
    try {
      parsed = JSON.parse(body);
    } catch {
      return sendJson(res, 400, graphqlError('The request body is not valid JSON.', 'BAD_REQUEST'));
    }
  }
  // HTTP_BATCHING, HTTP_BATCH_MAX: a refused batch runs nothing and spends no rate limit.
  const batch = batchRefusal(req.method, parsed, deps.config.graphqlHttp);
  if (batch) return sendJson(res, batch.status, graphqlError(batch.message, batch.code));
  // REQUEST_TIMEOUT_MS: each slow step below is raced against it; past it only the 504 is written.
  const deadline = new RequestDeadline(deps.config.graphqlHttp.timeoutMs, (err) => deps.log.warn({ err, requestId }, 'failed after its request timed out'));
  const refused = (outcome: string, status: number, answer: unknown) => {
    const operation = operationLabel(operationNameOf(parsed));
    options.metrics.observe(operation, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    deps.log.info({ requestId, operation, outcome }, 'graphql');
    sendJson(res, status, answer);
  };
  const timedOut = () => refused(ErrorCode.REQUEST_TIMEOUT, 504, timeoutBody(deadline.timeoutMs));

  const credential = credentialOf(req);
  const viewer = await deadline.race(resolveViewer(deps, credential));
  if (viewer === TIMED_OUT) return timedOut();
  if (viewer === 'invalid' || viewer === 'ambiguous') {
    // Refused before Apollo sees it, so counted and logged here.
    const outcome = viewer === 'invalid' ? ErrorCode.UNAUTHENTICATED : 'BAD_REQUEST';
    const operation = operationLabel(operationNameOf(parsed));
    options.metrics.observe(operation, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    deps.log.info({ requestId, operation, outcome }, 'graphql');
    if (viewer === 'ambiguous') return sendJson(res, 400, graphqlError(refusal(credential), outcome));
    res.setHeader('www-authenticate', 'Bearer');
    return sendJson(res, 401, graphqlError(refusal(credential), outcome));
  }

  const ip = clientIp(req, deps.config.http.trustProxy);
  // RATE_LIMIT_*: once the caller is known; each operation of a batch counts.
  const limited = await deadline.race(requestLimiter(deps).consume(viewer, ip, operationCount(req.method, parsed)));
  if (limited === TIMED_OUT) return timedOut();
  if (limited) {
    const answer = rateLimitResponse(limited);
    for (const [key, value] of Object.entries(answer.headers)) res.setHeader(key, value);
    return refused(ErrorCode.RATE_LIMITED, answer.status, answer.body);
  }
  // One child logger per request, for the persisted-operation gate and the operation alike.
  const log = deps.log.child({ requestId });
  // Persisted operations (documentId, APQ, safelisted API keys, PERSISTED_OPERATIONS_ONLY): the document to run is found before Apollo.
  const persisted = await deadline.race(persistedHttpRequest(deps, { method: req.method, body: parsed, search: url.search, viewer, log }));
  if (persisted === TIMED_OUT) return timedOut();
  if (persisted.kind === 'refused') return refused(persisted.code, persisted.status, persisted.body);
  parsed = persisted.body;
  const userAgent = req.headers['user-agent'] ?? null;
  // At most JOB_MAX_WAIT_SECONDS, and short enough that the job, not the timeout, ends the wait.
  const waitMs = preferredWait(req.headers.prefer, maxWaitSeconds(deps.config));
  const context = async (): Promise<Context> => ({
    requestId,
    viewer,
    ip,
    userAgent,
    log,
    services: createServices(deps, { requestId, ip, userAgent, arrivedAt }),
    waitMs,
  });

  const response = await deadline.race(
    apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: persisted.search, body: parsed },
      context,
    }),
  );
  if (response === TIMED_OUT) return timedOut();
  for (const [key, value] of response.headers) res.setHeader(key, value);
  if (waitMs > 0) res.setHeader('preference-applied', `wait=${waitMs / 1000}`);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** The old portal's answer: `errcode` 0 on success, else the HTTP status the error stands for. */
interface Envelope {
  msg: string;
  errstatus: 'SUCCESS' | 'FAILED';
  errcode: number;
  results: Record<string, unknown>;
}

const STATUS_OF: Partial<Record<string, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  QUOTA_EXCEEDED: 422,
  RATE_LIMITED: 429,
  UPSTREAM_ERROR: 502,
  UPSTREAM_UNAVAILABLE: 503,
};
const statusOf = (code: string | undefined) => (code && STATUS_OF[code]) || 500;
const failed = (msg: string, errcode: number, results: Record<string, unknown> = {}): Envelope => ({ msg, errstatus: 'FAILED', errcode, results });

/**
 * Who may send work orders: an administrator, by its session token or by an API key of its
 * whose scopes allow submitWorkOrder (WORK_ORDERS or FULL), under the same rule as the mutation.
 */
async function billingCaller(deps: AppDeps, req: IncomingMessage): Promise<Viewer | AppError> {
  const credential = credentialOf(req);
  const viewer = await resolveViewer(deps, credential);
  if (viewer === null) return unauthenticated('Send an administrator’s credentials: Authorization: Bearer <token> or X-Api-Key: <secret>.');
  if (viewer === 'invalid') return unauthenticated(refusal(credential));
  if (viewer === 'ambiguous') return new AppError(ErrorCode.BAD_USER_INPUT, refusal(credential));
  if (viewer.role !== 'ADMIN') return forbidden('Only administrators may send work orders.');
  try {
    checkAccess(viewer, 'ADMIN', { operation: 'mutation', name: 'submitWorkOrder' });
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  return viewer;
}

/** The credentials of an HTTP request: at most one of `Authorization` and `X-Api-Key`. */
function credentialOf(req: IncomingMessage): Credential {
  return readCredential({ authorization: req.headers.authorization, apiKey: req.headers['x-api-key'] });
}

/**
 * `POST /api/msg/order/` with the form field `msg`: the billing system's own way of sending a
 * work order. It does what the submitWorkOrder mutation does, answering in the old envelope.
 */
async function workOrder(options: HttpHandlerOptions, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const arrivedAt = performance.now();
  const { deps } = options;
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    req.resume();
    return sendJson(res, 405, failed('Send the work order with POST, as the form field msg.', 405));
  }
  const caller = await billingCaller(deps, req);
  if (caller instanceof AppError) {
    req.resume();
    if (caller.code === ErrorCode.UNAUTHENTICATED) res.setHeader('www-authenticate', 'Bearer');
    return sendJson(res, statusOf(caller.code), failed(caller.message, statusOf(caller.code)));
  }
  const body = await readBody(req, deps.config.http.maxBodyBytes);
  if (body === 'too-large') return sendJson(res, 413, failed(`Request body over ${deps.config.http.maxBodyBytes} bytes.`, 413));
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
    return sendJson(res, 415, failed('Send the form as application/x-www-form-urlencoded, with the field msg.', 415));
  }
  const msg = new URLSearchParams(body).get('msg');
  if (!msg) return sendJson(res, 400, failed('msg: the form field is required.', 400, { field: 'msg' }));

  const ip = clientIp(req, deps.config.http.trustProxy);
  const userAgent = req.headers['user-agent'] ?? null;
  // The billing system reads the order's outcome from this answer: its job is waited for (up to
  // JOB_MAX_WAIT_SECONDS) unless the sender says otherwise with `Prefer: wait=N`.
  const prefer = String(req.headers.prefer ?? '');
  const waitMs = /\bwait\s*=/i.test(prefer) ? preferredWait(prefer, deps.config.jobs.maxWaitSeconds) : deps.config.jobs.maxWaitSeconds * 1000;
  const ctx: Context = { requestId, viewer: caller, ip, userAgent, log: deps.log.child({ requestId }), services: createServices(deps, { requestId, ip, userAgent, arrivedAt }), waitMs };
  const audit = (outcome: 'SUCCESS' | 'FAILURE', errorCode: string | null, workOrderId: string | null) =>
    ctx.services.audit.record({ viewer: caller, action: 'submitWorkOrder', targetId: null, outcome, errorCode, details: { via: WORK_ORDER_PATH, workOrderId } });
  let submitted: Awaited<ReturnType<typeof ctx.services.workOrders.submit>>;
  try {
    submitted = await ctx.services.workOrders.submit(ctx, msg);
  } catch (err) {
    const expected = err instanceof AppError || err instanceof CloudError;
    await audit('FAILURE', expected ? err.code : ErrorCode.INTERNAL_SERVER_ERROR, null);
    if (!expected) {
      ctx.log.error({ err }, 'work order failed unexpectedly');
      return sendJson(res, 500, failed('Unexpected error.', 500));
    }
    const status = statusOf(err.code);
    const results = err instanceof AppError && err.details.field ? { field: err.details.field, fields: err.details.fields ?? [] } : {};
    return sendJson(res, status, failed(err.message, status, results));
  }
  const { job, workOrder: order } = submitted;
  await audit('SUCCESS', null, order.workOrderId);
  const results = { workOrderId: order.workOrderId, status: order.status, jobId: job.id, items: itemReports(await ctx.services.workOrders.items(order.row)) };
  // The order was received either way; a failed one is FAILED with its cause, as its report says.
  if (order.status === 'FAILED') return sendJson(res, 200, failed(job.error?.message ?? `Work order ${order.workOrderId} failed.`, statusOf(job.error?.code), results));
  return sendJson(res, 200, { msg: `Work order ${order.workOrderId} is ${order.status}.`, errstatus: 'SUCCESS', errcode: 0, results } satisfies Envelope);
}

async function ready(options: HttpHandlerOptions, res: ServerResponse): Promise<void> {
  const check = async (ping: (() => Promise<void>) | null) => {
    if (!ping) return 'not configured';
    try {
      await withTimeout(ping(), 2000);
      return 'ok';
    } catch {
      return 'unreachable';
    }
  };
  const [database, redis] = await Promise.all([check(options.dbPing), check(options.redisPing)]);
  const ok = database === 'ok' && redis !== 'unreachable';
  sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', database, redis });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
}

export function clientIp(req: IncomingMessage, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? null;
}

/** The body as text, or 'too-large' once it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<string | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** The operation a request names, or the one its document holds (as Apollo would label it). */
function operationNameOf(body: unknown): string | null {
  const { operationName, query } = (body ?? {}) as { operationName?: unknown; query?: unknown };
  if (typeof operationName === 'string') return operationName;
  if (typeof query !== 'string') return null;
  try {
    return getOperationAST(parse(query), null)?.name?.value ?? null;
  } catch {
    return null;
  }
}

function graphqlError(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * RFC 7240 `Prefer: wait=N`: the client would rather have a mutation's job as it ended, if it
 * ends within N seconds (at most JOB_MAX_WAIT_SECONDS), than the job QUEUED at once. In ms.
 */
export function preferredWait(header: string | string[] | undefined, maxSeconds: number): number {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const match = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,7})"?/i.exec(text);
  return match ? Math.min(Number(match[1]), maxSeconds) * 1000 : 0;
}
