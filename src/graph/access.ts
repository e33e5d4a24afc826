import type { AuthChecker } from 'type-graphql';
import { forbidden, unauthenticated } from '../errors';
import type { Context, Viewer } from './context';

/** Who may call a field: anyone, any signed-in viewer, or admins only. */
export type Access = 'PUBLIC' | 'SIGNED_IN' | 'ADMIN';

/**
 * The one rule of access by role. `@Authorized()` fields, `@Authorized('ADMIN')` fields and
 * audited mutations all come here.
 */
export function checkAccess(viewer: Viewer | null, access: Access): void {
  if (access === 'PUBLIC') return;
  if (!viewer) throw unauthenticated();
  if (access === 'ADMIN' && viewer.role !== 'ADMIN') throw forbidden('Only administrators may do this.');
}

export const authChecker: AuthChecker<Context> = ({ context }, roles) => {
  checkAccess(context.viewer, roles.includes('ADMIN') ? 'ADMIN' : 'SIGNED_IN');
  return true;
};
