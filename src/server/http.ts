import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { getOperationAST, parse } from 'graphql';
import type { Context } from '../graph/context';
import { createServices, type AppDeps } from '../graph/services';
import { ErrorCode } from '../errors';
import { readCredential, resolveViewer } from './auth';
import { operationLabel, type Metrics } from './metrics';

export const GRAPHQL_PATH = '/graphql';

export interface HttpHandlerOptions {
  deps: AppDeps;
  apollo: ApolloServer<Context>;
  metrics: Metrics;
  /** Reports whether Redis answers; null when Redis is not configured. */
  redisPing: (() => Promise<void>) | null;
  dbPing: () => Promise<void>;
}

/** Routes /graphql to Apollo, plus /healthz, /readyz and /metrics. */
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

  const viewer = await resolveViewer(deps, readCredential(req.headers.authorization));
  if (viewer === 'invalid') {
    // Refused before Apollo sees it, so counted and logged here.
    const operation = operationLabel(operationNameOf(parsed));
    options.metrics.observe(operation, ErrorCode.UNAUTHENTICATED, Number(process.hrtime.bigint() - started) / 1e9);
    deps.log.info({ requestId, operation, outcome: ErrorCode.UNAUTHENTICATED }, 'graphql');
    res.setHeader('www-authenticate', 'Bearer');
    return sendJson(res, 401, graphqlError('The session token is not valid (unknown, expired or revoked).', ErrorCode.UNAUTHENTICATED));
  }

  const ip = clientIp(req, deps.config.http.trustProxy);
  const userAgent = req.headers['user-agent'] ?? null;
  const log = deps.log.child({ requestId });
  const context = async (): Promise<Context> => ({
    requestId,
    viewer,
    ip,
    userAgent,
    log,
    services: createServices(deps, { requestId, ip, userAgent }),
  });

  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body: parsed },
    context,
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
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
