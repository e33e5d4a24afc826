import { AppError, ErrorCode } from '../../errors';

/**
 * Global ids are opaque to clients and route by themselves: the kind and every part needed to
 * find the object (for cloud resources: datacenter and cloud id) are encoded in the id, so
 * `node(id)` needs no look-up to know where to go.
 */
export type NodeKind =
  | 'User'
  | 'Datacenter'
  | 'Tenancy'
  | 'Job'
  | 'AuditEntry'
  | 'ApiKey'
  | 'Network'
  | 'Subnet'
  | 'Instance'
  | 'Volume'
  | 'VolumeBackup'
  | 'FloatingIp'
  | 'SecurityGroup'
  | 'KeyPair';

export interface DecodedId {
  kind: NodeKind;
  parts: string[];
}

export function encodeId(kind: NodeKind, ...parts: string[]): string {
  return Buffer.from(JSON.stringify([kind, ...parts])).toString('base64url');
}

/** Decodes any global id, or null when it is not one of ours. */
export function decodeId(id: string): DecodedId | null {
  if (id.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(id)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length < 2 || !value.every((v) => typeof v === 'string')) return null;
    const [kind, ...parts] = value as string[];
    return { kind: kind as NodeKind, parts };
  } catch {
    return null;
  }
}

/**
 * The local part of an id of `kind`; anything else (a malformed id, another kind's id) fails
 * as NOT_FOUND so ids cannot be probed.
 */
export function localId(id: string, kind: NodeKind, label: string = kind): string {
  const decoded = decodeId(id);
  if (!decoded || decoded.kind !== kind || decoded.parts.length !== 1 || !UUID.test(decoded.parts[0])) {
    throw new AppError(ErrorCode.NOT_FOUND, `${label} not found.`);
  }
  return decoded.parts[0];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Kinds that live in a cloud: their ids carry the datacenter, the tenancy and the cloud's id. */
export const RESOURCE_KINDS = ['Network', 'Subnet', 'Instance', 'Volume', 'VolumeBackup', 'FloatingIp', 'SecurityGroup', 'KeyPair'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** Where a cloud resource lives: enough to reach it through its tenant's own credentials. */
export interface ResourceRef {
  datacenterId: string;
  tenancyId: string;
  /** The cloud's own id (key pairs: their name). */
  cloudId: string;
}

export function encodeResourceId(kind: ResourceKind, ref: ResourceRef): string {
  return encodeId(kind, ref.datacenterId, ref.tenancyId, ref.cloudId);
}

/** The reference inside an id of `kind`; anything else is NOT_FOUND, like an id of another tenant. */
export function resourceRef(id: string, kind: ResourceKind, label: string = kind): ResourceRef {
  const decoded = decodeId(id);
  if (
    !decoded ||
    decoded.kind !== kind ||
    decoded.parts.length !== 3 ||
    !UUID.test(decoded.parts[0]) ||
    !UUID.test(decoded.parts[1]) ||
    !decoded.parts[2] ||
    decoded.parts[2].length > 255
  ) {
    throw new AppError(ErrorCode.NOT_FOUND, `${label} not found.`);
  }
  const [datacenterId, tenancyId, cloudId] = decoded.parts;
  return { datacenterId, tenancyId, cloudId };
}
