import { conflict, parseInput } from '../../errors';
import type { Context } from '../context';
import type { Job } from '../job/job.type';
import { findResource, runTenancyJob, tenancyInput } from '../tenancy/resource-lookup';
import { createKeyPairRule, type CreateKeyPairInput } from './key-pair.input';
import { KeyPair } from './key-pair.type';

export class KeyPairService {
  constructor(private readonly ctx: Context) {}

  /**
   * Imports the given public key, or has the cloud make a pair. The private key is handed
   * back to the caller and nowhere else: no job records this call, and the audit keeps only
   * the arguments.
   */
  async create(input: CreateKeyPairInput): Promise<{ keyPair: KeyPair; privateKey: string | null }> {
    const v = parseInput(createKeyPairRule, input);
    const scope = await tenancyInput(this.ctx, v.tenancyId);
    // The name is the key's id in both clouds: a second one would not be a second key.
    if ((await scope.loaders.allKeyPairs()).some((k) => k.name === v.name)) {
      throw conflict(`A key pair named ${v.name} exists already.`, 'input.name');
    }
    const { keyPair, privateKey } = await scope.driver.createKeyPair({ name: v.name, publicKey: v.publicKey ?? null });
    scope.loaders.clear();
    return { keyPair: KeyPair.from(scope, keyPair), privateKey: v.publicKey ? null : privateKey };
  }

  async delete(id: string): Promise<{ job: Job; deletedId: string }> {
    const { scope, model } = await findResource(this.ctx, id, 'KeyPair');
    const { job } = await runTenancyJob(this.ctx, scope, { kind: 'deleteKeyPair', resource: 'KeyPair', resourceId: id }, { method: 'deleteKeyPair', args: [model.name], message: `deleting key pair ${model.name}` });
    return { job, deletedId: id };
  }
}
