import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { eq } from 'drizzle-orm';
import type { Logger } from '../../logger';
import type { Db } from '../../store/db';
import { workOrders, type WorkOrderItemRow, type WorkOrderRow } from '../../store/schema';

/*
 * The result of an order goes back to the billing system's `msghandler_url`. Its handler may be
 * down or busy for a while, so the report is sent again with growing pauses until it answers
 * 2xx, a bounded number of times (about a minute and a half in all) so that a handler gone for
 * good does not keep a retry loop alive.
 */

/** Attempts in all, the first included. */
export const REPORT_ATTEMPTS = 8;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const ATTEMPT_TIMEOUT_MS = 10_000;

/** What the order service keeps of a cloud resource an item made. */
export interface CloudHandle {
  kind: 'Instance' | 'Volume' | 'FloatingIp';
  cloudId: string;
  datacenterId: string;
  tenancyId: string;
  /** Floating IPs: the public address. */
  address?: string | null;
}

export interface ItemReport {
  workOrderItemId: string;
  resourceType: string;
  /** The billing system's id of the resource. */
  resourceId: string | null;
  status: string;
  /** The cloud's own id of what the item made (null once rolled back). */
  cloudId: string | null;
  /** Its id in this graph. */
  globalId: string | null;
  address?: string | null;
  error: unknown;
}

export interface OrderReport {
  workOrderId: string;
  orderId: string | null;
  status: 'SUCCESS' | 'FAILED';
  items: ItemReport[];
  /** Why a FAILED order failed. */
  error: { code: string; message: string } | null;
}

/** The items as the billing system reads them: its resource ids, and the cloud's ids or the error for each. */
export function itemReports(items: WorkOrderItemRow[]): ItemReport[] {
  return items.map((item) => {
    const handle = item.status === 'DONE' ? (item.cloudHandle as CloudHandle | null) : null;
    return {
      workOrderItemId: item.itemId,
      resourceType: item.resourceType,
      resourceId: item.billingResourceId,
      status: item.status,
      cloudId: handle?.cloudId ?? null,
      globalId: item.status === 'DONE' ? item.resourceGlobalId : null,
      ...(item.resourceType === 'NETWORK' ? { address: handle?.address ?? null } : {}),
      error: item.error ?? null,
    };
  });
}

export function orderReport(order: WorkOrderRow, items: WorkOrderItemRow[], cause: { code: string; message: string } | null): OrderReport {
  return {
    workOrderId: order.workOrderId,
    orderId: order.orderId,
    status: order.status === 'SUCCEEDED' ? 'SUCCESS' : 'FAILED',
    items: itemReports(items),
    error: order.status === 'SUCCEEDED' ? null : cause,
  };
}

class Refused extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * POSTs the report (JSON) until the handler accepts it, then records when and how it went;
 * giving up is recorded too. Never throws: the order's outcome does not depend on its report.
 */
export async function deliverReport(deps: { db: Db; log: Logger }, order: WorkOrderRow, report: OrderReport): Promise<void> {
  const log = deps.log.child({ workOrderId: order.workOrderId });
  if (!order.msghandlerUrl) return;
  const url = order.msghandlerUrl;
  const body = JSON.stringify(report);
  let attempts = 0;
  let outcome: string;
  let reportedAt: Date | null = null;
  const policy = retry(handleAll, {
    maxAttempts: REPORT_ATTEMPTS - 1,
    backoff: new ExponentialBackoff({ initialDelay: FIRST_BACKOFF_MS, maxDelay: MAX_BACKOFF_MS }),
  });
  try {
    const status = await policy.execute(async () => {
      attempts += 1;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        redirect: 'manual',
      });
      // The handler's answer is not ours to keep; reading it lets the connection be reused.
      await res.arrayBuffer().catch(() => undefined);
      log.info({ attempt: attempts, status: res.status }, 'work order report sent');
      if (res.status < 200 || res.status > 299) throw new Refused(res.status);
      return res.status;
    });
    reportedAt = new Date();
    outcome = `ACCEPTED: HTTP ${status} on attempt ${attempts}`;
  } catch (err) {
    const why = err instanceof Refused ? err.message : ((err as { name?: string }).name === 'TimeoutError' ? 'no answer in time' : 'not reachable');
    outcome = `GAVE_UP: ${why} on attempt ${attempts} of ${REPORT_ATTEMPTS}`;
    log.warn({ attempts, outcome }, 'work order report not accepted');
  }
  try {
    await deps.db.update(workOrders).set({ reportedAt, reportOutcome: outcome, updatedAt: new Date() }).where(eq(workOrders.id, order.id));
  } catch (err) {
    log.error({ err }, 'work order report outcome not recorded');
  }
}
