import { Field, ObjectType, registerEnumType } from 'type-graphql';
import type { UserRow } from '../../store/schema';
import { Connection } from '../connection';
import { encodeId } from '../node/global-id';
import { Node } from '../node/node.interface';

export enum Role {
  ADMIN = 'ADMIN',
  USER = 'USER',
}
registerEnumType(Role, { name: 'Role' });

@ObjectType({ description: "Fields of the old portal's user centre, kept as the portal sent them." })
export class PortalProfile {
  @Field(() => String, { nullable: true }) loginName!: string | null;
  @Field(() => String, { nullable: true }) loginEmail!: string | null;
  @Field(() => String, { nullable: true }) rootUserId!: string | null;
  @Field(() => String, { nullable: true }) fkRootUserId!: string | null;
  @Field(() => Date, { nullable: true, description: "The portal's createDate." }) portalCreatedAt!: Date | null;
  @Field(() => String, { nullable: true }) accountType!: string | null;
  @Field(() => String, { nullable: true, description: "The portal's own status code." }) status!: string | null;
  @Field(() => String, { nullable: true }) province!: string | null;
  @Field(() => String, { nullable: true }) city!: string | null;
  @Field(() => String, { nullable: true }) county!: string | null;
  @Field(() => String, { nullable: true }) mobilePhone!: string | null;
  @Field(() => String, { nullable: true }) channel!: string | null;
  @Field(() => String, { nullable: true }) userLevel!: string | null;
  @Field(() => Boolean, { nullable: true }) messageFlag!: boolean | null;
  @Field(() => Boolean, { nullable: true }) emailFlag!: boolean | null;
  @Field(() => String, { nullable: true }) auditStatus!: string | null;
  @Field(() => Boolean, { nullable: true }) postpaid!: boolean | null;
}

@ObjectType({ implements: Node })
export class User extends Node {
  /** The store row, for field resolvers. Not a GraphQL field. */
  row!: UserRow;

  @Field(() => String, { nullable: true, description: "The portal's user id (ct_user_id)." })
  ctUserId!: string | null;

  @Field(() => String, { nullable: true, description: "The portal's account id (ct_account_id)." })
  ctAccountId!: string | null;

  @Field()
  username!: string;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true })
  mobile!: string | null;

  @Field(() => Role)
  role!: Role;

  @Field({ description: 'False when deactivated or deleted: such a user cannot sign in.' })
  active!: boolean;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastLoginAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Set when the user was deleted (the row is kept).' })
  deletedAt!: Date | null;

  @Field(() => PortalProfile)
  profile!: PortalProfile;

  static fromRow(row: UserRow): User {
    const user = new User();
    user.row = row;
    user.id = encodeId('User', row.id);
    user.ctUserId = row.ctUserId;
    user.ctAccountId = row.ctAccountId;
    user.username = row.username;
    user.email = row.email;
    user.mobile = row.mobile;
    user.role = row.role as Role;
    user.active = row.active && !row.deletedAt;
    user.createdAt = row.createdAt;
    user.lastLoginAt = row.lastLoginAt;
    user.deletedAt = row.deletedAt;
    user.profile = {
      loginName: row.loginName,
      loginEmail: row.loginEmail,
      rootUserId: row.rootUserId,
      fkRootUserId: row.fkRootUserId,
      portalCreatedAt: row.portalCreatedAt,
      accountType: row.accountType,
      status: row.portalStatus,
      province: row.province,
      city: row.city,
      county: row.county,
      mobilePhone: row.mobilePhone,
      channel: row.channel,
      userLevel: row.userLevel,
      messageFlag: row.messageFlag,
      emailFlag: row.emailFlag,
      auditStatus: row.auditStatus,
      postpaid: row.postpaid,
    };
    return user;
  }
}

export const UserConnection = Connection('User', User);
export type UserConnection = InstanceType<typeof UserConnection>;
