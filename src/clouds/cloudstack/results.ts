import { CloudError, type Operation } from '../driver';
import type { CsAsync } from './wire';

/** A running job; `resourceId` is what it acts on or makes, when known at once. */
export function jobOperation<T>(job: CsAsync, resourceId: string | null, resource: T | null = null): Operation<T> {
  return { handle: { kind: 'cloudstack-job', jobId: job.jobid, resourceId }, resource };
}

/** A synchronous call: finished when returned. */
export function doneOperation<T>(resourceId: string | null, resource: T | null): Operation<T> {
  return { handle: { kind: 'done', resourceId }, resource };
}

/** Refused before any call: the input cannot work (named field). */
export function badInput(datacenter: string, field: string, message: string): CloudError {
  return new CloudError('BAD_USER_INPUT', `${field}: ${message}`, {}, datacenter);
}

export function notFound(datacenter: string, what: string): CloudError {
  return new CloudError('NOT_FOUND', `${what} was not found.`, {}, datacenter);
}
