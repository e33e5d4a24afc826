/**
 * The fields of CloudStack answers the driver reads (reference §6). Everything is optional
 * on the wire (null fields are omitted), so these say `?` wherever the server may leave a
 * field out, and the mappers decide what a missing field means.
 */

export interface CsTag {
  key: string;
  value: string;
}

export interface CsPending {
  jobid?: string;
  jobstatus?: number;
}

export interface CsZone {
  id: string;
  name: string;
  allocationstate?: string;
  networktype?: string;
  /** True in zones whose guests are filtered by CloudStack security groups (Basic, or Advanced with shared networks). */
  securitygroupsenabled?: boolean;
}

/** One rule of a security group (listSecurityGroups `ingressrule` / `egressrule`); ports and ICMP fields are numbers. */
export interface CsSgRule {
  ruleid: string;
  protocol?: string;
  startport?: number;
  endport?: number;
  icmptype?: number;
  icmpcode?: number;
  cidr?: string;
  /** A rule naming a group instead of a CIDR: the group's name and account. */
  securitygroupname?: string;
  account?: string;
}

/** A CloudStack security group (listSecurityGroups `securitygroup`; SG-enabled zones). */
export interface CsSecurityGroup {
  id: string;
  name: string;
  description?: string;
  account?: string;
  ingressrule?: CsSgRule[];
  egressrule?: CsSgRule[];
}

export interface CsServiceOffering {
  id: string;
  name: string;
  cpunumber?: number;
  memory?: number;
  rootdisksize?: number;
}

export interface CsTemplate {
  id: string;
  name: string;
  ostypename?: string;
  isready?: boolean;
  ispublic?: boolean;
  size?: number;
  physicalsize?: number;
  status?: string;
}

export interface CsDiskOffering {
  id: string;
  name: string;
  disksize?: number;
  iscustomized?: boolean;
}

export interface CsOffering {
  id: string;
  name: string;
  isdefault?: boolean;
  state?: string;
  forvpc?: boolean;
}

export interface CsNetwork extends CsPending {
  id: string;
  name: string;
  displaytext?: string;
  cidr?: string;
  gateway?: string;
  netmask?: string;
  vpcid?: string;
  zoneid?: string;
  state?: string;
  dns1?: string;
  dns2?: string;
  /** VPC tiers: the network ACL list that filters the tier. */
  aclid?: string;
  aclname?: string;
}

export interface CsVpc extends CsPending {
  id: string;
  name: string;
  displaytext?: string;
  cidr?: string;
  state?: string;
  zoneid?: string;
  network?: CsNetwork[];
}

/** A network ACL list (listNetworkACLLists `networkacllist`); built-in lists have no vpcid. */
export interface CsAclList {
  id: string;
  name: string;
  description?: string;
  vpcid?: string;
}

/** A network ACL item (listNetworkACLs `networkacl`): the server writes ports as strings. */
export interface CsAclItem {
  id: string;
  aclid?: string;
  protocol?: string;
  startport?: string | number;
  endport?: string | number;
  icmptype?: number | string;
  icmpcode?: number | string;
  cidrlist?: string;
  traffictype?: string;
  action?: string;
  number?: number;
  state?: string;
}

export interface CsPublicIp extends CsPending {
  id: string;
  ipaddress: string;
  state?: string;
  issourcenat?: boolean;
  isstaticnat?: boolean;
  virtualmachineid?: string;
  vpcid?: string;
  associatednetworkid?: string;
  tags?: CsTag[];
}

export interface CsKeyPair {
  name: string;
  fingerprint?: string;
  privatekey?: string;
}

export interface CsNic {
  id?: string;
  networkid: string;
  ipaddress?: string;
  macaddress?: string;
  isdefault?: boolean;
  vpcid?: string;
  publicip?: string;
}

export interface CsVm extends CsPending {
  id: string;
  name?: string;
  displayname?: string;
  state?: string;
  cpunumber?: number;
  memory?: number;
  serviceofferingid?: string;
  templateid?: string;
  zoneid?: string;
  keypairs?: string;
  securitygroup?: { id: string; name?: string }[];
  nic?: CsNic[];
  publicip?: string;
  publicipid?: string;
  created?: string;
}

export interface CsVolume extends CsPending {
  id: string;
  name: string;
  type?: string;
  size?: number;
  state?: string;
  virtualmachineid?: string;
  diskofferingname?: string;
  zoneid?: string;
}

export interface CsSnapshot {
  id: string;
  name: string;
  volumeid: string;
  state?: string;
  virtualsize?: number;
  created?: string;
  tags?: CsTag[];
}

export interface CsUser {
  id: string;
  username: string;
}

export interface CsAccount {
  id: string;
  name: string;
  domainid: string;
  user?: CsUser[];
  [limitField: string]: unknown;
}

export interface CsJob {
  jobid: string;
  jobstatus: number;
  jobprocstatus?: number;
  jobresultcode?: number;
  jobresult?: Record<string, unknown> & { errorcode?: number; errortext?: string };
  jobinstancetype?: string;
  jobinstanceid?: string;
  cmd?: string;
}

/** `{jobid}` of an async command, `{id, jobid}` of an async create. */
export interface CsAsync {
  jobid: string;
  id?: string;
}
