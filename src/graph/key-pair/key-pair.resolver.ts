import { resourceFields } from '../tenancy/resource.resolver';
import { KeyPair } from './key-pair.type';

export const KeyPairFields = resourceFields(KeyPair);
