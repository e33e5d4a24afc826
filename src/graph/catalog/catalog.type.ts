import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLSafeInt } from 'graphql-scalars';
import type { Flavor as FlavorModel, Image as ImageModel, Zone as ZoneModel } from '../../clouds/driver';

@ObjectType({ description: 'An availability zone of a datacenter.' })
export class Zone {
  @Field(() => ID, { description: "The cloud's zone id (OpenStack: its name)." }) id!: string;
  @Field() name!: string;
  @Field() available!: boolean;

  static from(model: ZoneModel): Zone {
    return Object.assign(new Zone(), model);
  }
}

@ObjectType({ description: 'A size of instance: OpenStack flavor, CloudStack service offering.' })
export class Flavor {
  @Field(() => ID, { description: "The cloud's own id." }) id!: string;
  @Field() name!: string;
  @Field(() => Int) cpu!: number;
  @Field(() => Int) memoryMb!: number;
  @Field(() => Int, { description: 'Root disk; 0 = the image decides.' }) diskGb!: number;

  static from(model: FlavorModel): Flavor {
    return Object.assign(new Flavor(), model);
  }
}

export enum ImageStatus {
  ACTIVE = 'ACTIVE',
  PENDING = 'PENDING',
  ERROR = 'ERROR',
  DELETED = 'DELETED',
}
registerEnumType(ImageStatus, { name: 'ImageStatus' });

@ObjectType({ description: 'A bootable image: OpenStack Glance image, CloudStack template.' })
export class Image {
  @Field(() => ID, { description: "The cloud's own id." }) id!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) osType!: string | null;
  @Field(() => ImageStatus) status!: ImageStatus;
  @Field(() => Int) minDiskGb!: number;
  @Field(() => GraphQLSafeInt, { nullable: true }) sizeBytes!: number | null;
  @Field() isPublic!: boolean;

  static from(model: ImageModel): Image {
    return Object.assign(new Image(), model, { status: model.status as ImageStatus });
  }
}
