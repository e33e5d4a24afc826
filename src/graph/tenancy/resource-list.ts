import { ArgsType, Field, Int } from 'type-graphql';
import { badInput } from '../../errors';
import { pageOf, type ConnectionShape } from '../connection';

@ArgsType()
export class ResourceListArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100. Default 20.' })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;

  @Field(() => String, { nullable: true, description: 'Part of the name, ignoring case.' })
  search?: string | null;

  @Field(() => String, { nullable: true, description: "Only resources in this zone (the cloud's zone id)." })
  zoneId?: string | null;
}

export interface Listed {
  cloudId: string;
  name?: string;
  address?: string;
  status?: string;
  zoneId?: string | null;
}

/** The order of String#localeCompare, without its look-up of the locale's rules on every call. */
const byLocale = new Intl.Collator().compare;

/** Filters (name search, status, zone), sorts by name then id, and pages a cloud's list. */
export function listPage<T extends Listed>(items: T[], args: ResourceListArgs & { status?: string | null }): ConnectionShape<T> {
  const search = args.search?.trim().toLowerCase() || null;
  if (search && search.length > 100) throw badInput('search', 'at most 100 characters');
  const filtered = items
    .filter((item) => !search || (item.name ?? item.address ?? '').toLowerCase().includes(search))
    .filter((item) => !args.status || item.status === args.status)
    .filter((item) => !args.zoneId || item.zoneId === args.zoneId)
    .sort((a, b) => byLocale(a.name ?? a.address ?? '', b.name ?? b.address ?? '') || byLocale(a.cloudId, b.cloudId));
  return pageOf(filtered, args, (item) => item.cloudId);
}
