import { and, asc, eq, isNull } from 'drizzle-orm';
import { tenancies } from '../../store/schema';
import type { AppDeps } from '../services';
import { Tenancy } from './tenancy.type';

export class TenancyService {
  constructor(private readonly deps: AppDeps) {}

  /** The live tenancies of a user, oldest first. */
  async ofUser(userId: string): Promise<Tenancy[]> {
    const rows = await this.deps.db
      .select()
      .from(tenancies)
      .where(and(eq(tenancies.userId, userId), isNull(tenancies.removedAt)))
      .orderBy(asc(tenancies.createdAt));
    return rows.map(Tenancy.fromRow);
  }
}
