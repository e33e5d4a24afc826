import { randomBytes } from 'node:crypto';
import { CloudError, type AdminDriver, type Flavor, type FlavorSpec, type ProvisionedTenant, type TenantSpec } from '../driver';
import { CloudStackCatalog } from './catalog';
import { toFlavor } from './mappers';
import type { CsAccount, CsServiceOffering, CsUser } from './wire';

/** The administrator's calls: tenants (accounts) and the catalogue. */
export class CloudStackAdminDriver extends CloudStackCatalog implements AdminDriver {
  /**
   * Idempotent. listAccounts (1), then createAccount (1) when missing, createUser (1) when the
   * account lacks the user, getUserKeys (1), registerUserKeys (1) when the user has no keys
   * yet: 3 to 4 calls. Keys already issued are reused, so a retry does not invalidate the
   * credentials a first attempt may have stored.
   */
  async provisionTenant(spec: TenantSpec): Promise<ProvisionedTenant> {
    let account = await this.findAccount(spec.name);
    if (!account) {
      try {
        account = (await this.client.call('createAccount', { accounttype: '0', account: spec.name, ...this.userFields(spec) })).account as CsAccount;
      } catch (err) {
        // A concurrent or earlier attempt made it between our look-up and our create.
        if (!(err instanceof CloudError && err.code === 'CONFLICT')) throw err;
        account = await this.findAccount(spec.name);
        if (!account) throw err;
      }
    }
    let user = account.user?.find((u) => u.username === spec.userName);
    if (!user) {
      user = (await this.client.call('createUser', { account: account.name, domainid: account.domainid, ...this.userFields(spec) })).user as CsUser;
    }
    const existing = (await this.client.call('getUserKeys', { id: user.id })).userkeys as { apikey?: string; secretkey?: string } | undefined;
    const keys =
      existing?.apikey && existing.secretkey ? existing : ((await this.client.call('registerUserKeys', { id: user.id })).userkeys as { apikey?: string; secretkey?: string });
    if (!keys?.apikey || !keys.secretkey) throw new CloudError('UPSTREAM_ERROR', 'registerUserKeys answered without keys.', {}, this.client.datacenter);
    return {
      projectId: account.id,
      userId: user.id,
      credentials: { kind: 'CLOUDSTACK', accountId: account.id, userId: user.id, apiKey: keys.apikey, secretKey: keys.secretkey, domainId: account.domainid },
    };
  }

  /** deleteAccount (1) + its job polled to the end; an account already gone is success. */
  async removeTenant(tenant: { projectId: string; userId: string }): Promise<void> {
    try {
      const { jobid } = await this.client.start('deleteAccount', { id: tenant.projectId });
      await this.client.wait(jobid, 'deleteAccount', `remove tenant ${tenant.projectId}`);
    } catch (err) {
      if (err instanceof CloudError && err.code === 'NOT_FOUND') return;
      throw err;
    }
  }

  /** createServiceOffering (1). */
  async createFlavor(spec: FlavorSpec): Promise<Flavor> {
    const problems: [string, boolean][] = [
      ['name: must not be empty', !spec.name.trim()],
      ['cpu: must be a whole number of at least 1', !Number.isInteger(spec.cpu) || spec.cpu < 1],
      ['memoryMb: must be a whole number of at least 32', !Number.isInteger(spec.memoryMb) || spec.memoryMb < 32],
      ['diskGb: must be a whole number, 0 for the template size', !Number.isInteger(spec.diskGb) || spec.diskGb < 0],
    ];
    const problem = problems.find(([, bad]) => bad);
    if (problem) throw new CloudError('BAD_USER_INPUT', problem[0], {}, this.client.datacenter);
    const params: Record<string, string> = {
      name: spec.name,
      displaytext: spec.name,
      cpunumber: String(spec.cpu),
      cpuspeed: '1000',
      memory: String(spec.memoryMb),
    };
    if (spec.diskGb > 0) params.rootdisksize = String(spec.diskGb);
    return toFlavor((await this.client.call('createServiceOffering', params)).serviceoffering as CsServiceOffering);
  }

  private async findAccount(name: string): Promise<CsAccount | undefined> {
    const accounts = await this.client.list<CsAccount>('listAccounts', { name, listall: 'true' }, 'account');
    return accounts.find((a) => a.name === name);
  }

  /** The cloud user's password is random and thrown away: the tenant works with its API keys. */
  private userFields(spec: TenantSpec): Record<string, string> {
    return {
      username: spec.userName,
      password: randomBytes(24).toString('base64url'),
      email: spec.email ?? `${spec.userName.replace(/[^A-Za-z0-9._-]/g, '_')}@tenants.ecsgraph.invalid`,
      firstname: spec.userName,
      lastname: spec.name,
    };
  }
}
