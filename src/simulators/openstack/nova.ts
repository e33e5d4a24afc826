import { randomBytes } from 'node:crypto';
import type { SimRequest, SimResponse } from '../common';
import { defaultVolumeType, newVolume, volumeQuotaError } from './cinder';
import { imageVisible, isBrokenImage } from './glance';
import { faultError, isoNow, json, limitParam, nextLink, noContent, objectBody, page, route, str, wrapped, type Route } from './http';
import { createPort, deletePort, ensureDefaultSecurityGroup, networkVisible } from './neutron-core';
import { generateRsaKeyPair, md5Fingerprint, publicKeyBlob } from './ssh';
import { DURATIONS, hostId, uuid, type Flavor, type OpenStackState, type Port, type RequestContext, type Server } from './state';

/*
 * Nova v2.1 with microversions 2.1–2.96 (the client pins one; behaviour that changed with a
 * version follows the requested one: embedded flavor from 2.47, networks required from 2.37,
 * key generation gone from 2.92, keypair create 201 from 2.2). Servers move through the
 * vm_state/task_state machine of the reference; `status` is derived from both, as Nova does.
 */

const BASE = '/compute/v2.1';
const MIN = 1;
const MAX = 96;

type Handler = (req: SimRequest, ctx: RequestContext, params: Record<string, string>, mv: number) => SimResponse;

export function serverStatus(s: Server): string {
  const t = s.taskState ?? '';
  switch (s.vmState) {
    case 'building':
      return 'BUILD';
    case 'active':
    case 'stopped':
      if (t.startsWith('rebooting') || t.startsWith('reboot_')) return t.endsWith('_hard') ? 'HARD_REBOOT' : 'REBOOT';
      if (t.startsWith('rebuild')) return 'REBUILD';
      if (t.startsWith('resize_') && t !== 'resize_confirming' && t !== 'resize_reverting') return 'RESIZE';
      return s.vmState === 'active' ? 'ACTIVE' : 'SHUTOFF';
    case 'resized':
      return t === 'resize_reverting' ? 'REVERT_RESIZE' : 'VERIFY_RESIZE';
    case 'error':
      return t.startsWith('rebuild') ? 'REBUILD' : 'ERROR';
    case 'deleted':
      return 'DELETED';
    default:
      return 'UNKNOWN';
  }
}

export function novaRoutes(state: OpenStackState): Route[] {
  const r = (method: string, path: string, op: string | ((req: SimRequest) => string), handle: Handler) =>
    route('nova', method, `${BASE}${path}`, op, (req, ctx, params) => {
      const mv = microversion(req);
      if (mv === null) return faultError(400, 'Invalid API version request.');
      if (mv < MIN || mv > MAX) return faultError(406, `Version 2.${mv} is not supported by the API. Minimum is 2.${MIN} and maximum is 2.${MAX}.`);
      const res = handle(req, ctx, params, mv);
      return {
        ...res,
        headers: {
          ...res.headers,
          'openstack-api-version': `compute 2.${mv}`,
          'x-openstack-nova-api-version': `2.${mv}`,
          vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
        },
      };
    });

  const visibleServer = (ctx: RequestContext, id: string) => {
    const s = state.servers.get(id);
    return s && (ctx.isAdmin || s.projectId === ctx.projectId) ? s : undefined;
  };
  const serverNotFound = (id: string) => faultError(404, `Instance ${id} could not be found.`);
  const selfLink = (kind: string, id: string) => [
    { rel: 'self', href: `${state.baseUrl}${BASE}/${kind}/${id}` },
    { rel: 'bookmark', href: `${state.baseUrl}/compute/${kind}/${id}` },
  ];
  const portsOf = (s: Server) => [...state.ports.values()].filter((p) => p.deviceId === s.id && p.deviceOwner.startsWith('compute:'));

  const usage = (projectId: string) => {
    const servers = [...state.servers.values()].filter((s) => s.projectId === projectId);
    return {
      instances: servers.length,
      cores: servers.reduce((acc, s) => acc + s.flavor.vcpus, 0),
      ram: servers.reduce((acc, s) => acc + s.flavor.ram, 0),
    };
  };
  /** Nova's 403 when `delta` does not fit; checked in Nova's order: instances, cores, ram. */
  const quotaError = (projectId: string, delta: { instances: number; cores: number; ram: number }) => {
    const q = state.quotas(projectId);
    const u = usage(projectId);
    const checks: [string, number, number, number][] = [
      ['instances', delta.instances, u.instances, q.instances],
      ['cores', delta.cores, u.cores, q.cores],
      ['ram', delta.ram, u.ram, q.ramMb],
    ];
    for (const [name, requested, used, limit] of checks) {
      if (requested > 0 && used + requested > limit) {
        return faultError(403, `Quota exceeded for ${name}: Requested ${requested}, but already used ${used} of ${limit} ${name}`);
      }
    }
    return null;
  };

  const flavorView = (f: Flavor, mv: number, detail: boolean) => {
    const view: Record<string, unknown> = { id: f.id, name: f.name, links: selfLink('flavors', f.id) };
    if (mv >= 55) view.description = f.description;
    if (!detail) return view;
    Object.assign(view, {
      ram: f.ram,
      disk: f.disk,
      swap: mv >= 75 ? f.swap : f.swap || '',
      'OS-FLV-EXT-DATA:ephemeral': f.ephemeral,
      'OS-FLV-DISABLED:disabled': f.disabled,
      vcpus: f.vcpus,
      'os-flavor-access:is_public': f.isPublic,
      rxtx_factor: f.rxtxFactor,
    });
    if (mv >= 61) view.extra_specs = {};
    return view;
  };

  const addresses = (s: Server) => {
    const out: Record<string, unknown[]> = {};
    for (const port of portsOf(s)) {
      const network = state.networks.get(port.networkId);
      const key = network?.name ?? port.networkId;
      const list = (out[key] ??= []);
      for (const ip of port.fixedIps) {
        list.push({ version: ip.ip_address.includes(':') ? 6 : 4, addr: ip.ip_address, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': port.macAddress });
      }
      for (const fip of state.floatingIps.values()) {
        if (fip.portId === port.id) list.push({ version: 4, addr: fip.address, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': port.macAddress });
      }
    }
    return out;
  };

  const serverView = (s: Server, mv: number) => {
    const status = serverStatus(s);
    const ports = portsOf(s);
    const groupNames = [...new Set(ports.flatMap((p) => p.securityGroups.map((g) => state.securityGroups.get(g)?.name ?? g)))];
    const view: Record<string, unknown> = {
      id: s.id,
      name: s.name,
      status,
      tenant_id: s.projectId,
      user_id: s.userId,
      metadata: s.metadata,
      hostId: s.hostId,
      image: s.imageId ? { id: s.imageId, links: [{ rel: 'bookmark', href: `${state.baseUrl}/compute/images/${s.imageId}` }] } : '',
      flavor:
        mv >= 47
          ? { vcpus: s.flavor.vcpus, ram: s.flavor.ram, disk: s.flavor.disk, ephemeral: s.flavor.ephemeral, swap: s.flavor.swap, original_name: s.flavor.name, extra_specs: {} }
          : { id: s.flavor.id, links: [{ rel: 'bookmark', href: `${state.baseUrl}/compute/flavors/${s.flavor.id}` }] },
      created: isoNow(s.createdAt),
      updated: isoNow(s.updatedAt),
      addresses: addresses(s),
      accessIPv4: s.accessIPv4,
      accessIPv6: s.accessIPv6,
      links: selfLink('servers', s.id),
      'OS-DCF:diskConfig': 'MANUAL',
      progress: s.transition ? state.clock.progress(s.transition.since, s.transition.ms) : status === 'ACTIVE' ? 100 : 0,
      'OS-EXT-AZ:availability_zone': s.az,
      config_drive: '',
      key_name: s.keyName,
      'OS-SRV-USG:launched_at': s.vmState === 'building' ? null : isoNow(s.createdAt),
      'OS-SRV-USG:terminated_at': null,
      'OS-EXT-STS:task_state': s.taskState,
      'OS-EXT-STS:vm_state': s.vmState,
      'OS-EXT-STS:power_state': s.powerState,
      'os-extended-volumes:volumes_attached': s.volumes.map((v) => (mv >= 3 ? { id: v.volumeId, delete_on_termination: v.deleteOnTermination } : { id: v.volumeId })),
    };
    if (groupNames.length) view.security_groups = groupNames.map((name) => ({ name }));
    if (mv >= 9) view.locked = false;
    if (mv >= 19) view.description = s.description;
    if (mv >= 26) view.tags = [];
    if (mv >= 63) view.trusted_image_certificates = null;
    if (mv >= 71) view.server_groups = [];
    if (mv >= 73) view.locked_reason = null;
    if (s.fault) view.fault = s.fault;
    return view;
  };

  /** Begins a transition: the task shows now, `finish` applies when it is due. */
  const transition = (s: Server, taskState: string | null, ms: number, finish: () => void) => {
    s.taskState = taskState;
    s.updatedAt = Date.now();
    const due = state.schedule(ms, () => {
      if (!state.servers.has(s.id) || s.transition !== due) return;
      s.transition = null;
      finish();
      s.updatedAt = Date.now();
    });
    s.transition = due;
  };

  const fail = (s: Server, message: string) => {
    s.vmState = 'error';
    s.taskState = null;
    s.powerState = 0;
    s.fault = { code: 500, message, created: isoNow() };
  };

  const listServers = (req: SimRequest, ctx: RequestContext, mv: number, detail: boolean) => {
    const q = req.url.searchParams;
    const statuses = q.getAll('status').map((x) => x.toUpperCase());
    const known = ['ACTIVE', 'BUILD', 'DELETED', 'ERROR', 'HARD_REBOOT', 'MIGRATING', 'PASSWORD', 'PAUSED', 'REBOOT', 'REBUILD', 'RESCUE', 'RESIZE', 'REVERT_RESIZE', 'SHELVED', 'SHELVED_OFFLOADED', 'SHUTOFF', 'SOFT_DELETED', 'SUSPENDED', 'UNKNOWN', 'VERIFY_RESIZE'];
    if (mv >= 38 && statuses.some((x) => !known.includes(x))) return faultError(400, `Invalid status value`);
    // Nova keeps the last value of a repeated filter, except status.
    const last = (key: string) => {
      const all = q.getAll(key);
      return all.length ? all[all.length - 1] : null;
    };
    let nameRe: RegExp | null = null;
    const name = last('name');
    if (name !== null) {
      try {
        nameRe = new RegExp(name);
      } catch {
        return faultError(400, `Invalid regular expression for name: ${name}`);
      }
    }
    const since = last('changes-since');
    const image = last('image');
    const flavor = last('flavor');
    const keyName = mv >= 83 ? last('key_name') : null;
    const az = mv >= 83 ? last('availability_zone') : null;
    const ownOnly = !(ctx.isAdmin && (last('all_tenants') ?? '') !== '' && last('all_tenants') !== '0');
    const items = [...state.servers.values()]
      .reverse()
      .filter((s) => !ownOnly || s.projectId === ctx.projectId)
      .filter((s) => !statuses.length || statuses.includes(serverStatus(s)))
      .filter((s) => !nameRe || nameRe.test(s.name))
      .filter((s) => !since || s.updatedAt >= Date.parse(since))
      .filter((s) => !image || s.imageId === image)
      .filter((s) => !flavor || s.flavor.id === flavor)
      .filter((s) => !keyName || s.keyName === keyName)
      .filter((s) => !az || s.az === az);
    const limit = limitParam(req.url, state.maxLimit, state.maxLimit);
    if (limit === null) return faultError(400, `limit param must be an integer`);
    const marker = last('marker');
    if (marker && !items.some((s) => s.id === marker)) return faultError(400, `marker [${marker}] not found`);
    const p = page(items, limit, marker);
    const body: Record<string, unknown> = {
      servers: p.items.map((s) => (detail ? serverView(s, mv) : { id: s.id, name: s.name, links: selfLink('servers', s.id) })),
    };
    if (p.more && p.last) body.servers_links = [nextLink(state.baseUrl, req.url, p.last, limit)];
    return json(200, body);
  };

  const cannot = (action: string, s: Server, by: 'vm_state' | 'task_state') =>
    faultError(409, `Cannot '${action}' instance ${s.id} while it is in ${by} ${by === 'vm_state' ? s.vmState : s.taskState}`);

  const resolveFlavor = (ref: unknown) => {
    const id = typeof ref === 'string' || typeof ref === 'number' ? String(ref).split('/').pop()! : '';
    return state.flavors.get(id);
  };

  return [
    route('nova', 'GET', BASE, 'nova.versions.show', () =>
      json(200, { version: { id: 'v2.1', status: 'CURRENT', version: `2.${MAX}`, min_version: `2.${MIN}`, updated: '2013-07-23T11:33:21Z', links: [{ rel: 'self', href: `${state.baseUrl}${BASE}/` }] } }),
      { auth: false },
    ),

    r('GET', '/servers', 'nova.servers.list', (req, ctx, _p, mv) => listServers(req, ctx, mv, false)),
    r('GET', '/servers/detail', 'nova.servers.detail', (req, ctx, _p, mv) => listServers(req, ctx, mv, true)),
    r('GET', '/servers/:id', 'nova.servers.show', (_req, ctx, { id }, mv) => {
      const s = visibleServer(ctx, id);
      return s ? json(200, { server: serverView(s, mv) }) : serverNotFound(id);
    }),
    r('POST', '/servers', 'nova.servers.create', (req, ctx, _p, mv) => createServer(req, ctx, mv)),
    r('PUT', '/servers/:id', 'nova.servers.update', (req, ctx, { id }, mv) => {
      const s = visibleServer(ctx, id);
      if (!s) return serverNotFound(id);
      const body = wrapped(req, 'server');
      if (!body) return faultError(400, "Invalid input for field/attribute server. 'server' is a required property");
      if ('name' in body) {
        const name = str(body.name);
        if (!name || name.length > 255) return faultError(400, `Invalid input for field/attribute name. Value: ${String(body.name)}.`);
        s.name = name;
      }
      if (mv >= 19 && 'description' in body) s.description = str(body.description) ?? null;
      if (typeof body.accessIPv4 === 'string') s.accessIPv4 = body.accessIPv4;
      if (typeof body.accessIPv6 === 'string') s.accessIPv6 = body.accessIPv6;
      s.updatedAt = Date.now();
      return json(200, { server: serverView(s, mv) });
    }),
    r('DELETE', '/servers/:id', 'nova.servers.delete', (_req, ctx, { id }) => {
      const s = visibleServer(ctx, id);
      if (!s) return serverNotFound(id);
      if (s.taskState === 'deleting') return noContent();
      transition(s, 'deleting', DURATIONS.delete, () => destroyServer(s));
      return noContent();
    }),
    r('POST', '/servers/:id/action', (req) => `nova.servers.action.${Object.keys(objectBody(req) ?? {})[0] ?? 'unknown'}`, (req, ctx, { id }, mv) => {
      const s = visibleServer(ctx, id);
      if (!s) return serverNotFound(id);
      const body = objectBody(req) ?? {};
      const action = Object.keys(body)[0];
      const arg = body[action] as Record<string, unknown> | null;
      const busy = (name: string) => (s.taskState ? cannot(name, s, 'task_state') : null);
      switch (action) {
        case 'os-start': {
          const refused = busy('os-start') ?? (s.vmState !== 'stopped' ? cannot('os-start', s, 'vm_state') : null);
          if (refused) return refused;
          transition(s, 'powering-on', DURATIONS.start, () => {
            s.vmState = 'active';
            s.taskState = null;
            s.powerState = 1;
          });
          return json(202);
        }
        case 'os-stop': {
          const refused = busy('os-stop') ?? (s.vmState !== 'active' && s.vmState !== 'error' ? cannot('os-stop', s, 'vm_state') : null);
          if (refused) return refused;
          transition(s, 'powering-off', DURATIONS.stop, () => {
            s.vmState = 'stopped';
            s.taskState = null;
            s.powerState = 4;
          });
          return json(202);
        }
        case 'reboot': {
          const type = str(arg?.type);
          if (type !== 'SOFT' && type !== 'HARD') return faultError(400, `Invalid input for field/attribute type. Value: ${String(type)}. '${String(type)}' is not one of ['HARD', 'Hard', 'SOFT', 'Soft']`);
          const allowed = type === 'SOFT' ? ['active'] : ['active', 'stopped', 'paused', 'suspended', 'error'];
          const refused = busy('reboot') ?? (!allowed.includes(s.vmState) ? cannot('reboot', s, 'vm_state') : null);
          if (refused) return refused;
          transition(s, type === 'SOFT' ? 'rebooting' : 'rebooting_hard', DURATIONS.reboot, () => {
            s.vmState = 'active';
            s.taskState = null;
            s.powerState = 1;
            s.fault = null;
          });
          return json(202);
        }
        case 'rebuild': {
          const imageRef = str(arg?.imageRef);
          if (!imageRef) return faultError(400, "Invalid input for field/attribute rebuild. 'imageRef' is a required property");
          const image = state.images.get(imageRef);
          if (!image || !imageVisible(ctx, image) || image.status !== 'active') return faultError(400, `Image ${imageRef} could not be found.`);
          const refused = busy('rebuild') ?? (!['active', 'stopped', 'error'].includes(s.vmState) ? cannot('rebuild', s, 'vm_state') : null);
          if (refused) return refused;
          const adminPass = str(arg?.adminPass) ?? randomPassword();
          if (str(arg?.name)) s.name = str(arg?.name)!;
          if (arg?.metadata && typeof arg.metadata === 'object') s.metadata = arg.metadata as Record<string, string>;
          if (mv >= 54 && 'key_name' in (arg ?? {})) s.keyName = str(arg?.key_name) ?? null;
          s.imageId = imageRef;
          const back = s.vmState === 'stopped' ? 'stopped' : 'active';
          transition(s, 'rebuilding', DURATIONS.rebuild, () => {
            if (isBrokenImage(image)) return fail(s, 'No valid host was found. There are not enough hosts available.');
            s.vmState = back;
            s.taskState = null;
            s.powerState = back === 'active' ? 1 : 4;
            s.fault = null;
          });
          return json(202, { server: { ...serverView(s, mv), adminPass } });
        }
        case 'resize': {
          const flavor = resolveFlavor(arg?.flavorRef);
          if (!flavor) return faultError(400, 'Unable to find flavor');
          if (flavor.id === s.flavor.id) return faultError(400, 'When resizing, instances must change flavor!');
          const refused = busy('resize') ?? (!['active', 'stopped'].includes(s.vmState) ? cannot('resize', s, 'vm_state') : null);
          if (refused) return refused;
          const over = quotaError(s.projectId, { instances: 0, cores: flavor.vcpus - s.flavor.vcpus, ram: flavor.ram - s.flavor.ram });
          if (over) return over;
          s.previousVmState = s.vmState;
          transition(s, 'resize_prep', DURATIONS.resize, () => {
            // A flavor named *nohost* finds no host: Nova rolls back to the old state and flavor, with no ERROR.
            if (/nohost/i.test(flavor.name)) {
              s.vmState = s.previousVmState ?? 'active';
              s.taskState = null;
              return;
            }
            s.oldFlavor = s.flavor;
            s.flavor = flavor;
            s.vmState = 'resized';
            s.taskState = null;
          });
          return json(202);
        }
        case 'confirmResize': {
          const refused = busy('confirmResize') ?? (s.vmState !== 'resized' ? cannot('confirmResize', s, 'vm_state') : null);
          if (refused) return refused;
          s.vmState = s.previousVmState ?? 'active';
          s.powerState = s.vmState === 'active' ? 1 : 4;
          s.oldFlavor = null;
          s.previousVmState = null;
          s.updatedAt = Date.now();
          return noContent();
        }
        case 'revertResize': {
          const refused = busy('revertResize') ?? (s.vmState !== 'resized' ? cannot('revertResize', s, 'vm_state') : null);
          if (refused) return refused;
          transition(s, 'resize_reverting', DURATIONS.resize, () => {
            s.flavor = s.oldFlavor ?? s.flavor;
            s.oldFlavor = null;
            s.vmState = s.previousVmState ?? 'active';
            s.previousVmState = null;
            s.taskState = null;
          });
          return json(202);
        }
        default:
          return faultError(400, `There is no such action: ${action ?? ''}`);
      }
    }),

    r('GET', '/servers/:id/os-volume_attachments', 'nova.volume_attachments.list', (_req, ctx, { id }, mv) => {
      const s = visibleServer(ctx, id);
      if (!s) return serverNotFound(id);
      return json(200, { volumeAttachments: s.volumes.map((v) => attachmentView(s, v, mv)) });
    }),
    r('POST', '/servers/:id/os-volume_attachments', 'nova.volume_attachments.create', (req, ctx, { id }, mv) => {
      const s = visibleServer(ctx, id);
      if (!s) return serverNotFound(id);
      const body = wrapped(req, 'volumeAttachment');
      const volumeId = str(body?.volumeId);
      if (!volumeId) return faultError(400, "Invalid input for field/attribute volumeAttachment. 'volumeId' is a required property");
      const volume = state.volumes.get(volumeId);
      if (!volume || volume.projectId !== s.projectId) return faultError(404, `Volume ${volumeId} could not be found.`);
      if (s.taskState) return cannot('attach_volume', s, 'task_state');
      if (!['active', 'stopped'].includes(s.vmState)) return cannot('attach_volume', s, 'vm_state');
      if (volume.status !== 'available') {
        return faultError(400, `Invalid volume: Volume ${volumeId} status must be available or downloading to reserve, but the current status is ${volume.status}.`);
      }
      const used = new Set(s.volumes.map((v) => v.device));
      let device = str(body?.device);
      if (!device) {
        const letter = 'bcdefghijklmnopqrstuvwxyz'.split('').find((l) => !used.has(`/dev/vd${l}`));
        device = `/dev/vd${letter}`;
      }
      const attachment = { volumeId, device, attachmentId: uuid(), deleteOnTermination: false, root: false };
      s.volumes.push(attachment);
      volume.status = 'attaching';
      volume.attachments = [{ id: attachment.attachmentId, serverId: s.id, device, attachedAt: isoNow() }];
      state.schedule(DURATIONS.volumeAttach, () => {
        if (volume.status !== 'attaching') return;
        // A volume named *unattachable* fails in the compute host: the attach is rolled back.
        if (/unattachable/i.test(volume.name ?? '')) {
          volume.status = 'available';
          volume.attachments = [];
          s.volumes = s.volumes.filter((v) => v !== attachment);
          return;
        }
        volume.status = 'in-use';
      });
      return json(mv >= 101 ? 202 : 200, { volumeAttachment: attachmentView(s, attachment, mv) });
    }),
    r('DELETE', '/servers/:id/os-volume_attachments/:volumeId', 'nova.volume_attachments.delete', (_req, ctx, { id, volumeId }) => {
      const s = visibleServer(ctx, id);
      if (!s) return serverNotFound(id);
      const attachment = s.volumes.find((v) => v.volumeId === volumeId);
      if (!attachment) return faultError(404, `volume_id not found: ${volumeId}`);
      if (attachment.root) return faultError(400, "Can't detach root device volume");
      if (s.taskState) return cannot('detach_volume', s, 'task_state');
      const volume = state.volumes.get(volumeId);
      s.volumes = s.volumes.filter((v) => v !== attachment);
      if (volume) {
        volume.status = 'detaching';
        state.schedule(DURATIONS.volumeAttach, () => {
          volume.attachments = [];
          if (volume.status === 'detaching') volume.status = 'available';
        });
      }
      return json(202);
    }),

    r('GET', '/flavors', 'nova.flavors.list', (req, ctx, _p, mv) => listFlavors(req, ctx, mv, false)),
    r('GET', '/flavors/detail', 'nova.flavors.detail', (req, ctx, _p, mv) => listFlavors(req, ctx, mv, true)),
    r('GET', '/flavors/:id', 'nova.flavors.show', (_req, _ctx, { id }, mv) => {
      const f = state.flavors.get(id);
      return f ? json(200, { flavor: flavorView(f, mv, true) }) : faultError(404, `Flavor ${id} could not be found.`);
    }),
    r('POST', '/flavors', 'nova.flavors.create', (req, ctx, _p, mv) => {
      if (!ctx.isAdmin) return faultError(403, "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.");
      const body = wrapped(req, 'flavor');
      const name = str(body?.name);
      const ints = ['ram', 'vcpus', 'disk'].map((k) => Number(body?.[k]));
      if (!body || !name || ints.some((n) => !Number.isInteger(n) || n < 0) || ints[0] < 1 || ints[1] < 1) {
        return faultError(400, 'Invalid input for field/attribute flavor. name, ram, vcpus and disk are required and must be positive integers.');
      }
      if ([...state.flavors.values()].some((f) => f.name === name)) return faultError(409, `Flavor with name ${name} already exists.`);
      const id = str(body.id) && body.id !== 'auto' ? String(body.id) : uuid();
      if (state.flavors.has(id)) return faultError(409, `Flavor with ID ${id} already exists.`);
      const flavor: Flavor = {
        id,
        name,
        ram: ints[0],
        vcpus: ints[1],
        disk: ints[2],
        swap: Number(body.swap ?? 0) || 0,
        ephemeral: Number(body['OS-FLV-EXT-DATA:ephemeral'] ?? 0) || 0,
        rxtxFactor: Number(body.rxtx_factor ?? 1) || 1,
        isPublic: body['os-flavor-access:is_public'] !== false,
        disabled: false,
        description: str(body.description) ?? null,
      };
      state.flavors.set(id, flavor);
      return json(200, { flavor: flavorView(flavor, mv, true) });
    }),
    r('DELETE', '/flavors/:id', 'nova.flavors.delete', (_req, ctx, { id }) => {
      if (!ctx.isAdmin) return faultError(403, "Policy doesn't allow os_compute_api:os-flavor-manage:delete to be performed.");
      if (!state.flavors.delete(id)) return faultError(404, `Flavor ${id} could not be found.`);
      return json(202);
    }),

    r('GET', '/os-keypairs', 'nova.keypairs.list', (req, ctx, _p, mv) => {
      const items = [...state.keypairs.values()].filter((k) => k.userId === ctx.userId).map((k) => ({ ...k, id: k.name }));
      items.sort((a, b) => a.name.localeCompare(b.name));
      const limit = mv >= 35 ? limitParam(req.url, state.maxLimit, state.maxLimit) : items.length || 1;
      if (limit === null) return faultError(400, 'limit param must be an integer');
      const p = page(items, limit, mv >= 35 ? req.url.searchParams.get('marker') : null);
      const body: Record<string, unknown> = {
        keypairs: p.items.map((k) => ({ keypair: { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, ...(mv >= 2 ? { type: k.type } : {}) } })),
      };
      if (p.more && p.last) body.keypairs_links = [nextLink(state.baseUrl, req.url, p.last, limit)];
      return json(200, body);
    }),
    r('GET', '/os-keypairs/:name', 'nova.keypairs.show', (_req, ctx, { name }, mv) => {
      const k = state.keypairs.get(`${ctx.userId}/${name}`);
      if (!k) return faultError(404, `Keypair ${name} not found for user ${ctx.userId}`);
      return json(200, {
        keypair: {
          name: k.name,
          public_key: k.publicKey,
          fingerprint: k.fingerprint,
          user_id: k.userId,
          id: k.id,
          created_at: k.createdAt,
          deleted: false,
          deleted_at: null,
          updated_at: null,
          ...(mv >= 2 ? { type: k.type } : {}),
        },
      });
    }),
    r('POST', '/os-keypairs', 'nova.keypairs.create', (req, ctx, _p, mv) => {
      const body = wrapped(req, 'keypair');
      const name = str(body?.name);
      if (!body || !name) return faultError(400, "Invalid input for field/attribute keypair. 'name' is a required property");
      if (!/^[a-zA-Z0-9 _.@-]{1,255}$/.test(name)) return faultError(400, 'Keypair data is invalid: Keypair name contains unsafe characters');
      const key = `${ctx.userId}/${name}`;
      if (state.keypairs.has(key)) return faultError(409, `Key pair '${name}' already exists.`);
      const mine = [...state.keypairs.values()].filter((k) => k.userId === ctx.userId).length;
      if (mine >= state.quotas(ctx.projectId).keyPairs) return faultError(403, 'Quota exceeded, too many key pairs.');
      let publicKey = str(body.public_key);
      let privateKey: string | undefined;
      if (!publicKey) {
        if (mv >= 92) return faultError(400, "Invalid input for field/attribute keypair. Value: {'name': '" + name + "'}. 'public_key' is a required property");
        ({ publicKey, privateKey } = generateRsaKeyPair(`Generated-by-Nova`));
      }
      const blob = publicKeyBlob(publicKey);
      if (!blob) return faultError(400, 'Keypair data is invalid: failed to generate fingerprint');
      const keypair = {
        id: state.nextKeypairId(),
        name,
        userId: ctx.userId,
        publicKey,
        fingerprint: md5Fingerprint(blob),
        type: str(body.type) ?? 'ssh',
        createdAt: isoNow(),
      };
      state.keypairs.set(key, keypair);
      const view: Record<string, unknown> = { name, public_key: publicKey, fingerprint: keypair.fingerprint, user_id: ctx.userId };
      if (mv >= 2) view.type = keypair.type;
      if (privateKey) view.private_key = privateKey;
      return json(mv >= 2 ? 201 : 200, { keypair: view });
    }),
    r('DELETE', '/os-keypairs/:name', 'nova.keypairs.delete', (_req, ctx, { name }, mv) => {
      if (!state.keypairs.delete(`${ctx.userId}/${name}`)) return faultError(404, `Keypair ${name} not found for user ${ctx.userId}`);
      return mv >= 2 ? noContent() : json(202);
    }),

    r('GET', '/os-availability-zone', 'nova.availability_zones.list', () =>
      json(200, { availabilityZoneInfo: state.zones.map((zoneName) => ({ zoneName, zoneState: { available: true }, hosts: null })) }),
    ),
    r('GET', '/limits', 'nova.limits.show', (_req, ctx) => {
      const q = state.quotas(ctx.projectId);
      const u = usage(ctx.projectId);
      return json(200, {
        limits: {
          rate: [],
          absolute: {
            maxServerMeta: 128,
            maxImageMeta: 128,
            maxTotalInstances: q.instances,
            maxTotalCores: q.cores,
            maxTotalRAMSize: q.ramMb,
            maxTotalKeypairs: q.keyPairs,
            maxServerGroups: 10,
            maxServerGroupMembers: 10,
            totalInstancesUsed: u.instances,
            totalCoresUsed: u.cores,
            totalRAMUsed: u.ram,
            totalServerGroupsUsed: 0,
          },
        },
      });
    }),
    r('GET', '/os-quota-sets/:projectId', 'nova.quota_sets.show', (_req, ctx, { projectId }) => {
      if (!ctx.isAdmin && ctx.projectId !== projectId) return faultError(403, "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.");
      const q = state.quotas(projectId);
      return json(200, { quota_set: { id: projectId, instances: q.instances, cores: q.cores, ram: q.ramMb, key_pairs: q.keyPairs, metadata_items: 128, server_groups: 10, server_group_members: 10 } });
    }),
    r('PUT', '/os-quota-sets/:projectId', 'nova.quota_sets.update', (req, ctx, { projectId }) => {
      if (!ctx.isAdmin) return faultError(403, "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.");
      const body = wrapped(req, 'quota_set') ?? {};
      const current = state.quotaOverrides.get(projectId) ?? {};
      if (typeof body.instances === 'number') current.instances = body.instances;
      if (typeof body.cores === 'number') current.cores = body.cores;
      if (typeof body.ram === 'number') current.ramMb = body.ram;
      if (typeof body.key_pairs === 'number') current.keyPairs = body.key_pairs;
      state.quotaOverrides.set(projectId, current);
      const q = state.quotas(projectId);
      return json(200, { quota_set: { instances: q.instances, cores: q.cores, ram: q.ramMb, key_pairs: q.keyPairs } });
    }),
  ];

  function attachmentView(s: Server, v: Server['volumes'][number], mv: number) {
    const view: Record<string, unknown> = { id: v.volumeId, volumeId: v.volumeId, serverId: s.id, device: v.device };
    if (mv >= 70) view.tag = null;
    if (mv >= 79) view.delete_on_termination = v.deleteOnTermination;
    if (mv >= 89) {
      view.attachment_id = v.attachmentId;
      view.bdm_uuid = v.attachmentId;
      delete view.id;
    }
    return view;
  }

  function listFlavors(req: SimRequest, ctx: RequestContext, mv: number, detail: boolean) {
    const q = req.url.searchParams;
    const minDisk = Number(q.get('minDisk') ?? 0);
    const minRam = Number(q.get('minRam') ?? 0);
    const items = [...state.flavors.values()]
      .filter((f) => f.isPublic || ctx.isAdmin)
      .filter((f) => f.disk >= minDisk && f.ram >= minRam)
      .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    const limit = limitParam(req.url, state.maxLimit, state.maxLimit);
    if (limit === null) return faultError(400, 'limit param must be an integer');
    const p = page(items, limit, q.get('marker'));
    const body: Record<string, unknown> = { flavors: p.items.map((f) => flavorView(f, mv, detail)) };
    if (p.more && p.last) body.flavors_links = [nextLink(state.baseUrl, req.url, p.last, limit)];
    return json(200, body);
  }

  function destroyServer(s: Server) {
    for (const port of [...state.ports.values()]) if (port.deviceId === s.id && port.deviceOwner.startsWith('compute:')) deletePort(state, port);
    for (const attachment of s.volumes) {
      const volume = state.volumes.get(attachment.volumeId);
      if (!volume) continue;
      if (attachment.deleteOnTermination) state.volumes.delete(volume.id);
      else {
        volume.attachments = [];
        volume.status = 'available';
      }
    }
    state.servers.delete(s.id);
  }

  function createServer(req: SimRequest, ctx: RequestContext, mv: number): SimResponse {
    const body = wrapped(req, 'server');
    const name = str(body?.name);
    if (!body || !name) return faultError(400, "Invalid input for field/attribute server. 'name' is a required property");
    const flavor = resolveFlavor(body.flavorRef);
    if (!flavor) return faultError(400, `Flavor ${String(body.flavorRef)} could not be found.`);

    const bdm = Array.isArray(body.block_device_mapping_v2) ? (body.block_device_mapping_v2 as Record<string, unknown>[]) : [];
    const rootBdm = bdm.find((b) => Number(b.boot_index) === 0);
    const imageRef = str(body.imageRef) ?? '';
    const bootImageId = imageRef || (rootBdm?.source_type === 'image' ? str(rootBdm.uuid) ?? '' : '');
    if (!imageRef && !rootBdm) {
      return faultError(400, 'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
    }
    const image = bootImageId ? state.images.get(bootImageId) : undefined;
    if (bootImageId && (!image || !imageVisible(ctx, image))) return faultError(400, `Image ${bootImageId} could not be found.`);
    if (image && image.status !== 'active') return faultError(400, `Image ${image.id} is not active.`);
    if (image && !rootBdm && flavor.disk && image.minDisk > flavor.disk) return faultError(400, "Flavor's disk is too small for requested image.");

    const networks = body.networks;
    if (networks === undefined && mv >= 37) return faultError(400, "Invalid input for field/attribute server. 'networks' is a required property");
    if (networks === 'auto') return faultError(400, `Unable to automatically allocate a network for project ${ctx.projectId}`);
    const requested: { networkId?: string; portId?: string; fixedIp?: string }[] = [];
    if (Array.isArray(networks)) {
      for (const n of networks as Record<string, unknown>[]) {
        const networkId = str(n?.uuid);
        const portId = str(n?.port);
        if (portId) {
          const port = state.ports.get(portId);
          if (!port || port.projectId !== ctx.projectId) return faultError(400, `Port id ${portId} could not be found.`);
          if (port.deviceId) return faultError(409, `Port ${portId} is still in use.`);
          requested.push({ portId });
        } else if (networkId) {
          const network = state.networks.get(networkId);
          if (!network || !networkVisible(ctx, network)) return faultError(400, `Network ${networkId} could not be found.`);
          if (network.external && !ctx.isAdmin) return faultError(403, "Policy doesn't allow network:attach_external_network to be performed.");
          if (![...state.subnets.values()].some((x) => x.networkId === networkId)) {
            return faultError(400, `Network ${networkId} requires a subnet in order to boot instances on.`);
          }
          requested.push({ networkId, fixedIp: str(n.fixed_ip) });
        } else return faultError(400, 'Invalid input for field/attribute networks: each item needs uuid or port.');
      }
    }

    const keyName = str(body.key_name) ?? null;
    if (keyName && !state.keypairs.has(`${ctx.userId}/${keyName}`)) return faultError(400, 'Invalid key_name provided.');
    const az = (str(body.availability_zone) ?? 'nova').split(':')[0];
    if (!state.zones.includes(az)) return faultError(400, 'The requested availability zone is not available');

    const defaultGroup = ensureDefaultSecurityGroup(state, ctx.projectId);
    const groupRefs = Array.isArray(body.security_groups) ? (body.security_groups as Record<string, unknown>[]).map((g) => str(g?.name) ?? '') : [];
    const groupIds: string[] = [];
    for (const ref of groupRefs) {
      const group = [...state.securityGroups.values()].find((g) => g.projectId === ctx.projectId && (g.id === ref || g.name === ref));
      if (!group) return faultError(400, `Security group ${ref} not found for project ${ctx.projectId}.`);
      groupIds.push(group.id);
    }
    if (!groupIds.length) groupIds.push(defaultGroup.id);

    const metadata = body.metadata ?? {};
    if (typeof metadata !== 'object' || Array.isArray(metadata) || Object.values(metadata as object).some((v) => typeof v !== 'string')) {
      return faultError(400, 'Invalid input for field/attribute metadata. Values must be strings.');
    }
    const over = quotaError(ctx.projectId, { instances: 1, cores: flavor.vcpus, ram: flavor.ram });
    if (over) return over;
    let rootSize = 0;
    if (rootBdm && rootBdm.source_type === 'image' && rootBdm.destination_type === 'volume') {
      rootSize = Number(rootBdm.volume_size ?? image?.minDisk ?? 1);
      if (!Number.isInteger(rootSize) || rootSize < 1) return faultError(400, 'Invalid input for field/attribute volume_size.');
      if (image && rootSize < image.minDisk) return faultError(400, `Volume is smaller than the minimum size specified in image metadata. Volume size is ${rootSize} GiB. Minimum size is ${image.minDisk} GiB.`);
      const volumeOver = volumeQuotaError(state, ctx.projectId, rootSize);
      if (volumeOver) return faultError(403, `Quota exceeded for volumes: ${JSON.stringify((volumeOver.body as Record<string, { message: string }>).overLimit.message)}`);
    }

    const now = Date.now();
    const server: Server = {
      id: uuid(),
      name,
      projectId: ctx.projectId,
      userId: ctx.userId,
      flavor,
      oldFlavor: null,
      imageId: imageRef,
      keyName,
      securityGroups: groupIds,
      az,
      metadata: metadata as Record<string, string>,
      vmState: 'building',
      taskState: 'scheduling',
      powerState: 0,
      previousVmState: null,
      createdAt: now,
      updatedAt: now,
      transition: null,
      fault: null,
      hostId: hostId(),
      volumes: [],
      accessIPv4: '',
      accessIPv6: '',
      description: mv >= 19 ? str(body.description) ?? null : null,
    };

    const created: Port[] = [];
    for (const req of requested) {
      if (req.portId) {
        const port = state.ports.get(req.portId)!;
        port.deviceId = server.id;
        port.deviceOwner = `compute:${az}`;
        created.push(port);
        continue;
      }
      const port = createPort(state, {
        network: state.networks.get(req.networkId!)!,
        projectId: ctx.projectId,
        ipAddress: req.fixedIp,
        deviceId: server.id,
        deviceOwner: `compute:${az}`,
        securityGroups: groupIds,
        status: 'DOWN',
      });
      if ('error' in port) {
        for (const p of created) state.ports.delete(p.id);
        const err = port.error.body as { NeutronError?: { message: string } };
        return faultError(400, err.NeutronError?.message ?? 'Port creation failed.');
      }
      created.push(port);
    }

    if (rootSize) {
      const volume = newVolume(state, {
        projectId: ctx.projectId,
        userId: ctx.userId,
        size: rootSize,
        status: 'in-use',
        bootable: true,
        typeId: defaultVolumeType(state).id,
        az,
      });
      const attachmentId = uuid();
      volume.attachments = [{ id: attachmentId, serverId: server.id, device: '/dev/vda', attachedAt: isoNow() }];
      server.volumes.push({ volumeId: volume.id, device: '/dev/vda', attachmentId, deleteOnTermination: rootBdm?.delete_on_termination === true, root: true });
    }

    state.servers.set(server.id, server);
    transition(server, 'scheduling', DURATIONS.build, () => {
      if (isBrokenImage(image)) return fail(server, 'No valid host was found. There are not enough hosts available.');
      server.vmState = 'active';
      server.taskState = null;
      server.powerState = 1;
      for (const p of created) if (state.ports.has(p.id)) p.status = 'ACTIVE';
    });

    const adminPass = str(body.adminPass) ?? randomPassword();
    return json(
      202,
      {
        server: {
          id: server.id,
          links: selfLink('servers', server.id),
          adminPass,
          security_groups: groupIds.map((g) => ({ name: state.securityGroups.get(g)?.name ?? g })),
          'OS-DCF:diskConfig': 'MANUAL',
        },
      },
      { location: `${state.baseUrl}${BASE}/servers/${server.id}` },
    );
  }
}

function randomPassword(): string {
  return randomBytes(9).toString('base64').replace(/[+/=]/g, 'x');
}

/** The requested compute microversion: 2.1 when none is asked for, null when malformed. */
function microversion(req: SimRequest): number | null {
  const raw = req.headers['openstack-api-version'];
  const header = Array.isArray(raw) ? raw.join(',') : raw;
  let version: string | undefined;
  for (const part of (header ?? '').split(',')) {
    const [service, v] = part.trim().split(/\s+/);
    if (service?.toLowerCase() === 'compute') version = v;
  }
  if (version === undefined) {
    const legacy = req.headers['x-openstack-nova-api-version'];
    version = Array.isArray(legacy) ? legacy[0] : legacy;
  }
  if (version === undefined) return MIN;
  if (version === 'latest') return MAX;
  const m = /^2\.(\d+)$/.exec(version);
  return m ? Number(m[1]) : null;
}
