import { Authorized, Field, ObjectType, registerEnumType } from 'type-graphql';
import type { DatacenterRow } from '../../store/schema';
import { encodeId } from '../node/global-id';
import { Node } from '../node/node.interface';

export enum CloudKind {
  OPENSTACK = 'OPENSTACK',
  CLOUDSTACK = 'CLOUDSTACK',
}
registerEnumType(CloudKind, { name: 'CloudKind' });

export enum DatacenterState {
  ENABLED = 'ENABLED',
  DISABLED = 'DISABLED',
}
registerEnumType(DatacenterState, { name: 'DatacenterState', description: 'DISABLED datacenters take no new tenancies or resources.' });

@ObjectType({ implements: Node, description: 'An OpenStack or CloudStack installation. Its credentials are never readable.' })
export class Datacenter extends Node {
  row!: DatacenterRow;

  @Field() name!: string;
  @Field() shortName!: string;
  @Field({ description: "The portal's platform id (platformId in work orders)." }) uuid!: string;
  @Field(() => CloudKind) kind!: CloudKind;
  @Field(() => DatacenterState) state!: DatacenterState;
  @Field(() => String, { nullable: true }) idcTypeName!: string | null;
  @Field(() => String, { nullable: true }) host!: string | null;
  @Field(() => String, { nullable: true, description: 'OpenStack: the admin project.' }) project!: string | null;
  @Field({ description: 'OpenStack: the Keystone domain of projects and users.' }) domain!: string;
  @Field(() => String, { nullable: true }) region!: string | null;
  @Field(() => String, { nullable: true, description: 'OpenStack: the external network routers reach the outside through.' })
  externalNetwork!: string | null;

  @Authorized('ADMIN')
  @Field(() => String, { nullable: true, description: 'Admin only. The API endpoint (Keystone v3 or CloudStack /client/api).' })
  serviceUrl!: string;

  @Authorized('ADMIN')
  @Field(() => String, { nullable: true, description: 'Admin only. The cloud administrator account ecsgraph provisions with.' })
  adminUser!: string;

  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) removedAt!: Date | null;

  static fromRow(row: DatacenterRow): Datacenter {
    const dc = new Datacenter();
    dc.row = row;
    dc.id = encodeId('Datacenter', row.id);
    dc.name = row.name;
    dc.shortName = row.shortName;
    dc.uuid = row.uuid;
    dc.kind = row.kind as CloudKind;
    dc.state = row.state as DatacenterState;
    dc.idcTypeName = row.idcTypeName;
    dc.host = row.host;
    dc.project = row.project;
    dc.domain = row.domain;
    dc.region = row.region;
    dc.externalNetwork = row.externalNetwork;
    dc.serviceUrl = row.serviceUrl;
    dc.adminUser = row.adminUser;
    dc.createdAt = row.createdAt;
    dc.updatedAt = row.updatedAt;
    dc.removedAt = row.removedAt;
    return dc;
  }
}
