import crypto from 'node:crypto';
import { users } from '../../store/schema';
import type { AppDeps } from '../services';

export type BootstrapResult =
  | { kind: 'created'; login: string; password: string | null }
  | { kind: 'exists'; login: string | null }
  | { kind: 'none' };

/**
 * Makes sure there is an administrator: the one named by ADMIN_LOGIN/ADMIN_PASSWORD, or in
 * embedded mode, when there is no administrator at all, `admin` with a random password that
 * the caller prints once.
 */
export async function bootstrapAdmin(deps: AppDeps): Promise<BootstrapResult> {
  const { config, userStore, hasher, db, log } = deps;
  if (config.admin) {
    const existing = await userStore.byLogin(config.admin.login);
    if (existing) {
      if (existing.role !== 'ADMIN') log.warn({ login: config.admin.login }, 'ADMIN_LOGIN names an existing user who is not an administrator');
      return { kind: 'exists', login: config.admin.login };
    }
    const isEmail = config.admin.login.includes('@');
    await db.insert(users).values({
      username: isEmail ? config.admin.login.split('@')[0] : config.admin.login,
      email: isEmail ? config.admin.login.toLowerCase() : null,
      passwordHash: await hasher.hash(config.admin.password),
      role: 'ADMIN',
    });
    log.info({ login: config.admin.login }, 'created the administrator named by ADMIN_LOGIN');
    return { kind: 'created', login: config.admin.login, password: null };
  }
  if ((await userStore.countAdmins()) > 0) return { kind: 'exists', login: null };
  if (!config.embedded) {
    log.warn('there is no administrator: set ADMIN_LOGIN and ADMIN_PASSWORD to create one');
    return { kind: 'none' };
  }
  const password = crypto.randomBytes(12).toString('base64url');
  const username = (await userStore.byLogin('admin')) ? `admin-${crypto.randomBytes(3).toString('hex')}` : 'admin';
  await db.insert(users).values({ username, passwordHash: await hasher.hash(password), role: 'ADMIN' });
  return { kind: 'created', login: username, password };
}
