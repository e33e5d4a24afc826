import type { Config } from '../config';

/** A batched request (a JSON array body) refused before any operation runs. */
export interface BatchRefusal {
  status: 400;
  code: 'BAD_REQUEST';
  message: string;
}

/**
 * Batched HTTP requests are off unless HTTP_BATCHING=true, and hold at most HTTP_BATCH_MAX
 * operations when on. Only a POST body is ever a batch (as for Apollo Server); null = go on.
 */
export function batchRefusal(method: string | undefined, body: unknown, config: Config['graphqlHttp']): BatchRefusal | null {
  if (method !== 'POST' || !Array.isArray(body)) return null;
  if (!config.batching) {
    return {
      status: 400,
      code: 'BAD_REQUEST',
      message: 'Batched requests are off on this server (HTTP_BATCHING=false): send one operation per request, as a JSON object, not an array.',
    };
  }
  if (body.length > config.batchMax) {
    return {
      status: 400,
      code: 'BAD_REQUEST',
      message: `A batched request holds at most ${config.batchMax} operations (HTTP_BATCH_MAX); this one holds ${body.length}.`,
    };
  }
  return null;
}

/** How many operations a request runs, each spending one request of its caller's rate limit. */
export function operationCount(method: string | undefined, body: unknown): number {
  return method === 'POST' && Array.isArray(body) ? Math.max(1, body.length) : 1;
}
