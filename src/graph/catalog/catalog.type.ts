import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLSafeInt } from 'graphql-scalars';
import type { Flavor as FlavorModel, Image as ImageModel, Zone as ZoneModel } from '../../clouds/driver';
import type { CatalogImageRow } from '../../store/schema';

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
  @Field({ description: 'The display name an administrator set (shareImage), else the cloud’s own.' }) name!: string;
  @Field({ description: 'The name the cloud gives the image.' }) cloudName!: string;
  @Field(() => String, { nullable: true, description: 'The os type an administrator set (shareImage), else the cloud’s own.' })
  osType!: string | null;
  @Field(() => ImageStatus) status!: ImageStatus;
  @Field(() => Int) minDiskGb!: number;
  @Field(() => GraphQLSafeInt, { nullable: true }) sizeBytes!: number | null;
  @Field() isPublic!: boolean;
  @Field({ description: 'Offered to users in the catalogue (shareImage); false for an image the catalogue does not hold yet (syncImages).' })
  shared!: boolean;

  /** `entry`: the catalogue's row of the image, when it holds one. */
  static from(model: ImageModel, entry?: CatalogImageRow | null): Image {
    return Object.assign(new Image(), model, {
      status: model.status as ImageStatus,
      name: entry?.displayName ?? model.name,
      cloudName: model.name,
      osType: entry?.displayOsType ?? model.osType,
      shared: entry?.shared ?? false,
    });
  }
}

/** People pick an image by the name they see, so lists go by it: the administrator's when set. */
export function byName(images: readonly Image[]): Image[] {
  return [...images].sort((a, b) => a.name.localeCompare(b.name));
}
