import type { Commands, Ctx } from './context';
import { paramError } from './envelope';
import { csDate, uuid, type ServiceOffering, type Template } from './state';

/* Zones, offerings and templates: what any caller can read (reference §6 first table). */

/**
 * `id` and `ids` filters of list commands; `ids` exists only where the real command has it,
 * and both together are refused as by the server.
 */
export function idFilter(ctx: Ctx, withIds = false): (id: string) => boolean {
  const id = ctx.p.str('id');
  const ids = withIds ? ctx.p.list('ids') : undefined;
  if (id && ids) throw paramError('Either id or ids parameter must be passed, not both');
  if (id) return (x) => x === id;
  if (ids) {
    const set = new Set(ids);
    return (x) => set.has(x);
  }
  return () => true;
}

export function serviceOfferingView(o: ServiceOffering) {
  return {
    id: o.id,
    name: o.name,
    displaytext: o.displaytext,
    cpunumber: o.cpunumber,
    cpuspeed: o.cpuspeed,
    memory: o.memory,
    rootdisksize: o.rootdisksize ?? undefined,
    storagetype: o.storagetype,
    offerha: o.offerha,
    iscustomized: false,
    issystem: false,
    created: csDate(o.created),
  };
}

/** Whether `templatefilter` shows the template to the caller. */
function templateMatches(ctx: Ctx, t: Template, filter: string): boolean {
  const own = t.accountId === ctx.caller.account.id;
  switch (filter) {
    case 'featured':
      return t.isFeatured && t.isPublic;
    case 'self':
    case 'selfexecutable':
      return own;
    case 'sharedexecutable':
      return false;
    case 'executable':
      return own || t.isPublic;
    case 'community':
      return t.isPublic && !t.isFeatured;
    case 'all':
      return ctx.caller.isAdmin || own || t.isPublic;
    default:
      throw paramError(`Invalid template filter ${filter}`);
  }
}

export const catalogCommands: Commands = {
  listZones: {
    handler: (ctx) => {
      const match = idFilter(ctx, true);
      const name = ctx.p.str('name');
      const available = ctx.p.bool('available');
      const zones = [...ctx.state.zones.values()].filter(
        (z) => match(z.id) && (!name || z.name === name) && (!available || z.allocationstate === 'Enabled' || ctx.caller.isAdmin),
      );
      return ctx.list(
        'zone',
        zones.map((z) => ({
          id: z.id,
          name: z.name,
          networktype: z.networktype,
          allocationstate: z.allocationstate,
          securitygroupsenabled: z.securitygroupsenabled,
          dns1: z.dns1,
          localstorageenabled: false,
          tags: [],
        })),
      );
    },
  },

  listServiceOfferings: {
    handler: (ctx) => {
      const match = idFilter(ctx);
      const name = ctx.p.str('name');
      const vmId = ctx.p.str('virtualmachineid');
      const vm = vmId ? ctx.find(ctx.state.vms, vmId, 'virtualmachineid') : undefined;
      const offerings = [...ctx.state.serviceOfferings.values()].filter(
        (o) => match(o.id) && (!name || o.name === name) && (!vm || o.id !== vm.serviceOfferingId),
      );
      return ctx.list('serviceoffering', offerings.map(serviceOfferingView));
    },
  },

  createServiceOffering: {
    admin: true,
    handler: (ctx) => {
      const name = ctx.p.required('name');
      const cpunumber = ctx.p.int('cpunumber');
      const memory = ctx.p.int('memory');
      const customized = ctx.p.bool('customized') ?? false;
      if (!customized && (cpunumber === undefined || memory === undefined)) {
        throw paramError('For creating a custom compute offering cpu and memory all should be null; for a fixed one cpunumber and memory are required');
      }
      if ((cpunumber ?? 1) < 1 || (memory ?? 32) < 32) throw paramError('Failed to create service offering: cpunumber must be at least 1 and memory at least 32 MB');
      const offering: ServiceOffering = {
        id: uuid(),
        name,
        displaytext: ctx.p.str('displaytext') ?? name,
        cpunumber: cpunumber ?? 1,
        cpuspeed: ctx.p.int('cpuspeed') ?? 1000,
        memory: memory ?? 512,
        rootdisksize: ctx.p.int('rootdisksize') ?? null,
        storagetype: ctx.p.str('storagetype') === 'local' ? 'local' : 'shared',
        offerha: ctx.p.bool('offerha') ?? false,
        created: ctx.sim.clock.now(),
      };
      ctx.state.serviceOfferings.set(offering.id, offering);
      return { serviceoffering: serviceOfferingView(offering) };
    },
  },

  /** A template is listed once per zone it is in (same id, another zoneid). */
  listTemplates: {
    handler: (ctx) => {
      const filter = ctx.p.required('templatefilter');
      const match = idFilter(ctx, true);
      const name = ctx.p.str('name');
      const zoneId = ctx.p.str('zoneid');
      const items: Record<string, unknown>[] = [];
      for (const t of ctx.state.templates.values()) {
        if (!templateMatches(ctx, t, filter) || !match(t.id) || (name && t.name !== name)) continue;
        for (const zid of t.zoneIds) {
          if (zoneId && zid !== zoneId) continue;
          const owner = t.accountId ? ctx.state.accounts.get(t.accountId) : undefined;
          items.push({
            id: t.id,
            name: t.name,
            displaytext: t.displaytext,
            ostypeid: t.ostypeid,
            ostypename: t.ostypename,
            isready: true,
            ispublic: t.isPublic,
            isfeatured: t.isFeatured,
            passwordenabled: t.passwordEnabled,
            sshkeyenabled: true,
            size: t.sizeBytes,
            physicalsize: t.physicalSizeBytes,
            status: 'Download Complete',
            zoneid: zid,
            zonename: ctx.state.zones.get(zid)?.name,
            format: 'QCOW2',
            hypervisor: 'KVM',
            templatetype: t.accountId ? 'USER' : 'BUILTIN',
            account: owner?.name ?? 'system',
            created: csDate(t.created),
          });
        }
      }
      return ctx.list('template', items);
    },
  },

  listDiskOfferings: {
    handler: (ctx) => {
      const match = idFilter(ctx);
      const name = ctx.p.str('name');
      const offerings = [...ctx.state.diskOfferings.values()].filter((o) => match(o.id) && (!name || o.name === name));
      return ctx.list(
        'diskoffering',
        offerings.map((o) => ({
          id: o.id,
          name: o.name,
          displaytext: o.displaytext,
          disksize: o.disksize,
          iscustomized: o.iscustomized,
          storagetype: o.storagetype,
          created: csDate(o.created),
        })),
      );
    },
  },

  listVPCOfferings: {
    handler: (ctx) => {
      const match = idFilter(ctx);
      const name = ctx.p.str('name');
      const isdefault = ctx.p.bool('isdefault');
      const offerings = [...ctx.state.vpcOfferings.values()].filter(
        (o) => match(o.id) && (!name || o.name === name) && (isdefault === undefined || o.isdefault === isdefault),
      );
      return ctx.list(
        'vpcoffering',
        offerings.map((o) => ({ id: o.id, name: o.name, displaytext: o.displaytext, isdefault: o.isdefault, state: o.state, service: [] })),
      );
    },
  },

  listNetworkOfferings: {
    handler: (ctx) => {
      const match = idFilter(ctx);
      const name = ctx.p.str('name');
      const forvpc = ctx.p.bool('forvpc');
      const guestiptype = ctx.p.str('guestiptype');
      const offerings = [...ctx.state.networkOfferings.values()].filter(
        (o) => match(o.id) && (!name || o.name === name) && (forvpc === undefined || o.forvpc === forvpc) && (!guestiptype || o.guestiptype === guestiptype),
      );
      return ctx.list(
        'networkoffering',
        offerings.map((o) => ({ id: o.id, name: o.name, displaytext: o.displaytext, guestiptype: o.guestiptype, forvpc: o.forvpc, state: o.state, service: [] })),
      );
    },
  },
};
