import { and, asc, eq } from 'drizzle-orm';
import { jobs, workOrderItems, workOrders, type JobRow, type WorkOrderItemRow, type WorkOrderRow } from '../../store/schema';
import type { Viewer } from '../context';
import type { AppDeps } from '../services';

export class WorkOrderService {
  constructor(private readonly deps: AppDeps) {}

  /** Admins: any order; users: only their own (anything else reads as absent). */
  async find(viewer: Viewer, workOrderId: string): Promise<WorkOrderRow | null> {
    const byId = eq(workOrders.workOrderId, workOrderId);
    const [row] = await this.deps.db
      .select()
      .from(workOrders)
      .where(viewer.role === 'ADMIN' ? byId : and(byId, eq(workOrders.userId, viewer.userId)));
    return row ?? null;
  }

  items(order: WorkOrderRow): Promise<WorkOrderItemRow[]> {
    return this.deps.db.select().from(workOrderItems).where(eq(workOrderItems.workOrderId, order.id)).orderBy(asc(workOrderItems.createdAt));
  }

  async job(order: WorkOrderRow): Promise<JobRow | null> {
    if (!order.jobId) return null;
    const [row] = await this.deps.db.select().from(jobs).where(eq(jobs.id, order.jobId));
    return row ?? null;
  }
}
