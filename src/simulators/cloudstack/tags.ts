import { asyncAnswer, type Commands, type Ctx } from './context';
import { paramError } from './envelope';
import type { SimState, Tag } from './state';

/*
 * Resource tags (createTags / deleteTags are async jobs in the server). Tagged objects show
 * them inline as `tags[]`, which is how the gateway reads a floating IP's bandwidth without a
 * second call.
 */

function taggable(state: SimState, type: string): Map<string, { accountId: string | null }> | undefined {
  const byType: Record<string, Map<string, { accountId: string | null }>> = {
    uservm: state.vms,
    volume: state.volumes,
    snapshot: state.snapshots,
    publicipaddress: state.publicIps,
    vpc: state.vpcs,
    network: state.networks,
    securitygroup: state.securityGroups,
  };
  return byType[type.toLowerCase()];
}

export function tagsOf(ctx: Ctx, resourceId: string) {
  return ctx.state.tags.filter((t) => t.resourceId === resourceId).map((t) => tagView(ctx, t));
}

function tagView(ctx: Ctx, t: Tag) {
  const account = ctx.state.accounts.get(t.accountId);
  return { key: t.key, value: t.value, resourcetype: t.resourceType, resourceid: t.resourceId, account: account?.name, domainid: account?.domainId };
}

/** Removes the tags of deleted objects, as the server's cleanup does. */
export function dropTags(state: SimState, resourceId: string): void {
  state.tags = state.tags.filter((t) => t.resourceId !== resourceId);
}

function targets(ctx: Ctx) {
  const type = ctx.p.required('resourcetype');
  const map = taggable(ctx.state, type);
  if (!map) throw paramError(`Invalid resource type ${type}`);
  const ids = ctx.p.list('resourceids') ?? [];
  if (!ids.length) ctx.p.required('resourceids');
  return { type, items: ids.map((id) => ({ id, item: ctx.find(map, id, 'resourceids') })) };
}

export const tagCommands: Commands = {
  createTags: {
    handler: (ctx) => {
      const { type, items } = targets(ctx);
      const pairs = ctx.p.map('tags').filter((t) => t.key);
      if (!pairs.length) throw paramError('Unable to execute API command createtags due to missing parameter tags');
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.tag.CreateTagsCmd',
        instanceType: 'None',
        instanceId: null,
        durationMs: ctx.sim.settings.jobMs.short,
        begin: () => {
          for (const { id } of items) {
            for (const { key } of pairs) {
              if (ctx.state.tags.some((t) => t.resourceId === id && t.key === key)) throw paramError(`tag ${key} already on ${type} with id ${id}`);
            }
          }
        },
        finish: () => {
          for (const { id, item } of items) {
            for (const { key, value } of pairs) {
              ctx.state.tags.push({ key, value: value ?? '', resourceType: type, resourceId: id, accountId: item.accountId ?? ctx.caller.account.id });
            }
          }
          return { success: true };
        },
      });
      return asyncAnswer(jobid);
    },
  },

  deleteTags: {
    handler: (ctx) => {
      const { items } = targets(ctx);
      const keys = ctx.p.map('tags').map((t) => t.key);
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.tag.DeleteTagsCmd',
        instanceType: 'None',
        instanceId: null,
        durationMs: ctx.sim.settings.jobMs.short,
        finish: () => {
          const ids = new Set(items.map((i) => i.id));
          ctx.state.tags = ctx.state.tags.filter((t) => !(ids.has(t.resourceId) && (!keys.length || keys.includes(t.key))));
          return { success: true };
        },
      });
      return asyncAnswer(jobid);
    },
  },

  listTags: {
    handler: (ctx) => {
      const type = ctx.p.str('resourcetype')?.toLowerCase();
      const id = ctx.p.str('resourceid');
      const key = ctx.p.str('key');
      const value = ctx.p.str('value');
      const tags = ctx.state.tags.filter(
        (t) =>
          ctx.inScope(t.accountId) &&
          (!type || t.resourceType.toLowerCase() === type) &&
          (!id || t.resourceId === id) &&
          (!key || t.key === key) &&
          (!value || t.value === value),
      );
      return ctx.list('tag', tags.map((t) => tagView(ctx, t)));
    },
  },
};
