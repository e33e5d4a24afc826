import { randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse } from '../common';
import type { RequestContext } from './state';

/*
 * Routing and the error shapes of each OpenStack service. A route names its operation the way
 * an operator would read it in `/_sim/stats` (`nova.servers.detail`), so faults can target it.
 */

export type Params = Record<string, string>;

export interface Route {
  method: string;
  pattern: RegExp;
  /** Stable stats name; a function when the body decides it (server actions). */
  operation: string | ((req: SimRequest) => string);
  /** False only for the token request and version documents. */
  auth: boolean;
  /** How a 401 of this route is shaped and which service headers it carries. */
  service: 'keystone' | 'nova' | 'neutron' | 'cinder' | 'glance';
  handle(req: SimRequest, ctx: RequestContext, params: Params): SimResponse;
}

type Handler = Route['handle'];

/** `'/compute/v2.1/servers/:id'` → a route whose `:id` lands in params. */
export function route(
  service: Route['service'],
  method: string,
  path: string,
  operation: Route['operation'],
  handle: Handler,
  options: { auth?: boolean } = {},
): Route {
  const source = path
    .split('/')
    .map((part) => (part.startsWith(':') ? `(?<${part.slice(1)}>[^/]+)` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return { service, method, pattern: new RegExp(`^${source}/?$`), operation, auth: options.auth ?? true, handle };
}

export function json(status: number, body?: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, body, headers: { 'x-openstack-request-id': `req-${randomUUID()}`, ...headers } };
}

export const noContent = (headers: Record<string, string> = {}): SimResponse => json(204, undefined, headers);

/** Keystone's shape, also what keystonemiddleware answers for a bad token on any service. */
export function keystoneError(status: number, message: string): SimResponse {
  const titles: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' };
  return json(status, { error: { code: status, title: titles[status] ?? 'Error', message } });
}

const NOVA_FAULTS: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Nova and Cinder share this shape: `{"<faultName>": {"code", "message"}}`. */
export function faultError(status: number, message: string, headers: Record<string, string> = {}): SimResponse {
  const name = NOVA_FAULTS[status] ?? 'computeFault';
  const body: Record<string, unknown> = { code: status, message };
  if (status === 413 || status === 429) body.retryAfter = '0';
  return json(status, { [name]: body }, headers);
}

export function neutronError(status: number, type: string, message: string): SimResponse {
  return json(status, { NeutronError: { type, message, detail: '' } });
}

/** Glance answers errors as plain text, not JSON. */
export function glanceError(status: number, message: string): SimResponse {
  const titles: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' };
  const title = `${status} ${titles[status] ?? 'Error'}`;
  return { status, raw: `${title}\n\n${message}\n\n   `, headers: { 'content-type': 'text/plain; charset=UTF-8' } };
}

/** A JSON object body or undefined: handlers validate their own shapes. */
export function objectBody(req: SimRequest): Record<string, unknown> | undefined {
  const body = req.json;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

export function wrapped(req: SimRequest, key: string): Record<string, unknown> | undefined {
  const inner = objectBody(req)?.[key];
  return inner && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : undefined;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * One page of a marker-paged list. `items` are already in list order; the marker is the id of
 * the last item of the previous page. `more` tells whether a next link is due.
 */
export function page<T extends { id: string }>(items: T[], limit: number, marker: string | null): { items: T[]; more: boolean; last: string | null } {
  let start = 0;
  if (marker) {
    const at = items.findIndex((item) => item.id === marker);
    start = at < 0 ? items.length : at + 1;
  }
  const slice = items.slice(start, start + limit);
  return { items: slice, more: start + limit < items.length, last: slice.length ? slice[slice.length - 1].id : null };
}

/** Reads `limit` the way the services do: absent → fallback, capped at `max`; bad → null. */
export function limitParam(url: URL, fallback: number, max: number): number | null {
  const raw = url.searchParams.get('limit');
  if (raw === null) return Math.min(fallback, max);
  if (!/^\d+$/.test(raw)) return null;
  return Math.min(Number(raw), max);
}

/** `{"rel":"next","href":…}` for the same path with marker replaced, as Nova, Neutron and Cinder link. */
export function nextLink(base: string, url: URL, marker: string, limit: number): { rel: string; href: string } {
  const params = new URLSearchParams(url.searchParams);
  params.set('limit', String(limit));
  params.set('marker', marker);
  return { rel: 'next', href: `${base}${url.pathname}?${params.toString()}` };
}

export function isoNow(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Keystone writes microseconds: `2015-11-07T02:58:43.578887Z`. */
export function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}
