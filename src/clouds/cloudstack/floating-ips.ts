import type { Logger } from '../../logger';
import type { ChildFilter, FloatingIp, Operation } from '../driver';
import { pick } from './catalog';
import type { CloudStackClient } from './client';
import { TAG, toFloatingIp } from './mappers';
import { badInput, doneOperation, jobOperation, notFound } from './results';
import type { CsPublicIp, CsVm, CsVpc } from './wire';

/**
 * Floating IPs = public IPs of a VPC; the bandwidth they were sold with is a resource tag
 * `bandwidth` (Mbit/s) on the IP, read back inline from listPublicIpAddresses. Association =
 * static NAT to the VM's NIC on a tier of that VPC. The VPC's source NAT address is the
 * VPC's own and is not listed as a floating IP.
 */
export class FloatingIpArea {
  constructor(
    private readonly client: CloudStackClient,
    private readonly log: Logger,
  ) {}

  private get dc() {
    return this.client.datacenter;
  }

  /** listPublicIpAddresses: 1 call (+ pages); no `ids` on it, so ids and instances are picked locally. */
  async list(filter: ChildFilter = {}): Promise<FloatingIp[]> {
    if ((filter.ids && !filter.ids.length) || (filter.parentIds && !filter.parentIds.length)) return [];
    const ips = await this.client.list<CsPublicIp>('listPublicIpAddresses', filter.ids?.length === 1 ? { id: filter.ids[0] } : {}, 'publicipaddress');
    const instances = filter.parentIds ? new Set(filter.parentIds) : null;
    return pick(ips, filter.ids)
      .filter((ip) => !ip.issourcenat && (!instances || (ip.virtualmachineid && instances.has(ip.virtualmachineid))))
      .map(toFloatingIp);
  }

  /**
   * associateIpAddress (1) + createTags (1) + the tag job polled; + listVPCs (1) when no
   * network is named and the tenant has exactly one. The returned operation is the
   * association job. If the tag cannot be written the IP is released again.
   */
  async allocate(spec: { bandwidthMbps: number; networkId?: string | null }): Promise<Operation<FloatingIp>> {
    if (!Number.isInteger(spec.bandwidthMbps) || spec.bandwidthMbps < 1) throw badInput(this.dc, 'bandwidthMbps', 'must be a whole number of Mbit/s, at least 1');
    const vpcId = spec.networkId ?? (await this.onlyVpc());
    const created = await this.client.start('associateIpAddress', { vpcid: vpcId }, `allocate a floating IP in network ${vpcId}`);
    if (!created.id) return jobOperation<FloatingIp>(created, null);
    try {
      const tag = await this.client.start('createTags', {
        resourceids: created.id,
        resourcetype: 'PublicIpAddress',
        'tags[0].key': TAG.bandwidth,
        'tags[0].value': String(spec.bandwidthMbps),
      });
      await this.client.wait(tag.jobid, 'createTags', `record the bandwidth of floating IP ${created.id}`);
    } catch (err) {
      await this.client.start('disassociateIpAddress', { id: created.id }).catch((cleanup: unknown) => {
        this.log.warn({ datacenter: this.dc, ipId: created.id, err: cleanup instanceof Error ? cleanup.message : String(cleanup) }, 'floating IP left behind after a failed tag');
      });
      throw err;
    }
    return jobOperation<FloatingIp>(created, created.id);
  }

  /** listPublicIpAddresses (1) + listVirtualMachines (1, for the NIC on the IP's VPC) + enableStaticNat (1, synchronous). */
  async associate(id: string, instanceId: string): Promise<Operation<FloatingIp>> {
    const [ip] = await this.client.list<CsPublicIp>('listPublicIpAddresses', { id }, 'publicipaddress');
    if (!ip) throw notFound(this.dc, `Floating IP ${id}`);
    const [vm] = await this.client.listByIds<CsVm>('listVirtualMachines', {}, 'virtualmachine', [instanceId]);
    if (!vm) throw notFound(this.dc, `Instance ${instanceId}`);
    const nics = vm.nic ?? [];
    const nic = ip.vpcid ? nics.find((n) => n.vpcid === ip.vpcid) : (nics.find((n) => n.isdefault) ?? nics[0]);
    if (!nic) throw badInput(this.dc, 'instanceId', `the instance has no address in the network of floating IP ${ip.ipaddress}`);
    await this.client.call('enableStaticNat', { ipaddressid: id, virtualmachineid: instanceId, networkid: nic.networkid });
    return doneOperation(id, toFloatingIp({ ...ip, isstaticnat: true, virtualmachineid: instanceId, associatednetworkid: nic.networkid }));
  }

  /** disableStaticNat: 1 call; its job is the operation. */
  async disassociate(id: string): Promise<Operation<FloatingIp>> {
    return jobOperation<FloatingIp>(await this.client.start('disableStaticNat', { ipaddressid: id }), id);
  }

  /** disassociateIpAddress: 1 call; its job is the operation. */
  async release(id: string): Promise<Operation<null>> {
    return jobOperation<null>(await this.client.start('disassociateIpAddress', { id }), id);
  }

  private async onlyVpc(): Promise<string> {
    const vpcs = await this.client.list<CsVpc>('listVPCs', {}, 'vpc');
    if (vpcs.length !== 1) throw badInput(this.dc, 'networkId', vpcs.length ? 'name the network: the tenant has several' : 'the tenant has no network to allocate in');
    return vpcs[0].id;
  }
}
