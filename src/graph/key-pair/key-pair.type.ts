import { Field, ObjectType } from 'type-graphql';
import type { KeyPair as KeyPairModel } from '../../clouds/driver';
import { Connection } from '../connection';
import { Node } from '../node/node.interface';
import { placed, TenantResource } from '../tenancy/resource';
import type { TenantScope } from '../tenancy/tenancy.scope';

@ObjectType({ implements: [Node, TenantResource], description: 'An SSH key pair. Its private key is shown once, when the cloud makes it.' })
export class KeyPair extends TenantResource {
  model!: KeyPairModel;

  @Field() name!: string;
  @Field() fingerprint!: string;
  @Field(() => String, { nullable: true }) publicKey!: string | null;

  static from(scope: TenantScope, model: KeyPairModel): KeyPair {
    const k = placed(new KeyPair(), scope, 'KeyPair', model.name, model);
    k.name = model.name;
    k.fingerprint = model.fingerprint;
    k.publicKey = model.publicKey;
    return k;
  }
}

export const KeyPairConnection = Connection('KeyPair', KeyPair);
export type KeyPairConnection = InstanceType<typeof KeyPairConnection>;
