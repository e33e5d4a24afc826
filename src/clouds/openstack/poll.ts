import { CloudError, type OperationHandle, type OperationStatus } from '../driver';
import type { Ctx } from './context';
import { confirmResize } from './nova';
import type { Service } from './session';

/*
 * Following an OpenStack operation: read the resource, compare its status with the handle's
 * ends. A 404 is DELETED. One call per poll (two when a resize waits for its confirmation).
 */

const RESOURCES: Record<string, { service: Service; path: string; key: string | null; operation: string }> = {
  server: { service: 'compute', path: '/servers/', key: 'server', operation: 'nova.servers.show' },
  volume: { service: 'volume', path: '/volumes/', key: 'volume', operation: 'cinder.volumes.show' },
  backup: { service: 'volume', path: '/backups/', key: 'backup', operation: 'cinder.backups.show' },
  network: { service: 'network', path: '/networks/', key: 'network', operation: 'neutron.networks.show' },
  floatingip: { service: 'network', path: '/floatingips/', key: 'floatingip', operation: 'neutron.floatingips.show' },
  image: { service: 'image', path: '/images/', key: null, operation: 'glance.images.show' },
};

interface Polled {
  status?: string;
  progress?: number;
  /** Nova ≥ 2.47 embeds the flavor; its name tells whether a resize took. */
  flavor?: { original_name?: string };
  fault?: { message?: string; code?: number };
  fail_reason?: string | null;
}

export async function pollOperation(ctx: Ctx, handle: OperationHandle): Promise<OperationStatus> {
  if (handle.kind === 'done') return { done: true, ok: true, resourceId: handle.resourceId };
  if (handle.kind !== 'openstack-status') {
    throw new CloudError('BAD_USER_INPUT', `An OpenStack datacenter cannot follow a ${handle.kind} handle.`, {}, ctx.endpoint.name);
  }
  const spec = RESOURCES[handle.resource];
  const upper = (list: string[]) => list.map((s) => s.toUpperCase());
  const res = await ctx.session.call<Record<string, Polled>>(spec.service, {
    operation: spec.operation,
    method: 'GET',
    path: `${spec.path}${encodeURIComponent(handle.id)}`,
    accept: [404],
    what: `Following ${handle.resource} ${handle.id}`,
  });
  const status = res.status === 404 ? 'DELETED' : String((spec.key ? res.body[spec.key] : (res.body as Polled))?.status ?? 'UNKNOWN').toUpperCase();
  const resource: Polled = res.status === 404 ? {} : ((spec.key ? res.body[spec.key] : res.body) as Polled);

  if (upper(handle.success).includes(status)) {
    const flavor = resource.flavor?.original_name;
    if (handle.flavorName && flavor && flavor !== handle.flavorName) {
      return {
        done: true,
        ok: false,
        error: {
          code: 'UPSTREAM_ERROR',
          message: `The ${handle.resource} ${handle.id} is ${status} with flavor ${flavor}: the cloud did not resize it to ${handle.flavorName}.`,
          upstream: { status: res.status, code: status, message: resource.fault?.message },
        },
      };
    }
    return { done: true, ok: true, resourceId: handle.id };
  }
  if (upper(handle.failure).includes(status) || status === 'DELETED') {
    const reason = resource.fault?.message ?? resource.fail_reason ?? null;
    return {
      done: true,
      ok: false,
      error: {
        code: status === 'DELETED' ? 'NOT_FOUND' : 'UPSTREAM_ERROR',
        message:
          status === 'DELETED'
            ? `The ${handle.resource} ${handle.id} is gone.`
            : `The ${handle.resource} ${handle.id} went to ${status}${reason ? `: ${reason}` : '.'}`,
        upstream: { status: res.status, code: status, message: reason ?? undefined },
      },
    };
  }
  // A resize stops in VERIFY_RESIZE until confirmed; the unified resize means "and keep it".
  if (handle.resource === 'server' && status === 'VERIFY_RESIZE') {
    await confirmResize(ctx, handle.id);
    return { done: false, progress: 90 };
  }
  return { done: false, progress: typeof resource.progress === 'number' ? Math.max(0, Math.min(99, resource.progress)) : 0 };
}
