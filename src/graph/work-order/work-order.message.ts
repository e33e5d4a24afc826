import { z } from 'zod';
import { badInput, parseInput } from '../../errors';
import { MAX_BANDWIDTH_MBPS } from '../floating-ip/floating-ip.input';
import { instanceName } from '../instance/instance.input';
import { name } from '../network/network.input';
import { MAX_VOLUME_GB, VOLUME_TYPES } from '../volume/volume.input';

/*
 * The billing system's work order (`msg`), as its order service sends it: a JSON object whose
 * items carry their configuration as JSON strings, with numbers often written as strings and
 * missing values as "". Only what provisioning uses is validated; the rest (cycles, prices,
 * descriptions) is the billing system's and is kept, secrets removed, in the stored payload.
 */

/** The largest message accepted: a real order is a few kB. */
export const MAX_MESSAGE_CHARS = 256 * 1024;

/** The billing system writes "" for a value it does not have. */
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);

const text = (max = 255) =>
  z.preprocess(
    blank,
    z
      .string({ error: (issue) => (issue.input === undefined || issue.input === null ? 'is required' : 'must be a string') })
      .trim()
      .max(max, `at most ${max} characters`),
  );
const optionalText = (max = 255) => z.preprocess(blank, z.string({ error: 'must be a string' }).trim().max(max, `at most ${max} characters`).nullish());

/** Ids came as numbers (workOrderItemId: 138) or strings; they are kept as text. */
const idText = z.preprocess(
  (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : blank(v)),
  z.string({ error: (issue) => (issue.input === undefined || issue.input === null ? 'is required' : 'must be a string or a number') }).trim().min(1).max(255),
);
const optionalId = z.preprocess(
  (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : blank(v)),
  z.string({ error: 'must be a string or a number' }).trim().max(255).nullish(),
);

/** A number, or a string holding one ("1", "10", "1.0"). */
const numeric = z.preprocess(
  (v) => {
    const value = blank(v);
    return typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  },
  z.number({ error: (issue) => (issue.input === undefined || issue.input === null ? 'is required' : 'must be a number') }),
);
const whole = (min: number, max: number, unit = '') =>
  numeric.pipe(
    z
      .number()
      .int('must be a whole number')
      .min(min, `must be at least ${min}${unit}`)
      .max(max, `at most ${max}${unit}`),
  );
/** vmNumber / volumeNumber: one item is one resource; several would need several billing resource ids. */
const one = z.preprocess(blank, numeric.pipe(z.literal(1, { error: 'must be 1: one item is one resource' })).nullish());

const FLAGS = new Map<unknown, boolean>([
  [true, true],
  [false, false],
  [1, true],
  [0, false],
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
]);
const flag = z.preprocess((v) => (FLAGS.has(v) ? FLAGS.get(v) : blank(v)), z.boolean({ error: 'must be true or false' }).nullish());

/** An item's configuration: a JSON string (as sent) or, from other senders, the object itself. */
const config = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v, ctx) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  }, schema);

const vmConfig = z.object({
  vmName: z.preprocess(blank, instanceName()),
  cpuNum: whole(1, 512, ' vCPU'),
  /** GB, as sold; the clouds size memory in MB. */
  memSize: numeric.pipe(z.number().min(0.0625, 'must be at least 0.0625 GB').max(16_384, 'at most 16384 GB')),
  imageId: text().pipe(z.string().min(1, 'is required')),
  zoneId: optionalText(),
  platformId: text().pipe(z.string().min(1, 'is required')),
  networkId: optionalText(1024),
  securityGroupId: optionalText(1024),
  keyPairId: optionalText(1024),
  // The rule createInstance applies, checked here so that a refusal comes before anything is stored.
  rootPassword: z.preprocess(
    blank,
    z.string({ error: 'must be a string' }).min(8, 'at least 8 characters').max(72, 'at most 72 characters').nullish(),
  ),
  sysVolumeSize: z.preprocess(blank, whole(1, MAX_VOLUME_GB, ' GB').nullish()),
  vmNumber: one,
});

const volumeType = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toUpperCase() || null : v),
  z.enum(VOLUME_TYPES, { error: `must be one of ${VOLUME_TYPES.join(', ')}` }).nullish(),
);

const ebsConfig = z.object({
  volumeName: z.preprocess(blank, name()),
  volumeType,
  volumeSize: whole(1, MAX_VOLUME_GB, ' GB'),
  volumeNumber: one,
  zoneId: optionalText(),
  platformId: text().pipe(z.string().min(1, 'is required')),
  backupVolumeId: z.preprocess(blank, z.null({ error: 'volumes restored from a backup are not sold through work orders' }).nullish()),
});

const networkConfig = z.object({
  newBandwidthValue: whole(1, MAX_BANDWIDTH_MBPS, ' Mbit/s'),
  platformId: text().pipe(z.string().min(1, 'is required')),
});

const itemBase = {
  workOrderItemId: idText,
  /** The id the billing system gave the resource; the report answers with the cloud's ids for it. */
  resourceId: optionalId,
  master: flag,
  masterResourceId: optionalId,
};

const item = z.discriminatedUnion(
  'resourceType',
  [
    z.object({ ...itemBase, resourceType: z.literal('VM'), workOrderItemConfig: config(vmConfig) }),
    z.object({ ...itemBase, resourceType: z.literal('EBS'), workOrderItemConfig: config(ebsConfig) }),
    z.object({ ...itemBase, resourceType: z.literal('NETWORK'), workOrderItemConfig: config(networkConfig) }),
  ],
  { error: 'must be VM, EBS or NETWORK' },
);

const OPEN = 1;

const messageRule = z
  .object({
    workOrderId: text(128).pipe(z.string().min(1, 'is required')),
    workOrderType: numeric.pipe(z.literal(OPEN, { error: `only ${OPEN} (open) is supported` })),
    orderId: optionalId,
    masterOrderId: optionalId,
    innerOrderId: optionalId,
    resourceType: optionalText(),
    resourceId: optionalId,
    userId: optionalText(),
    accountId: optionalText(),
    msghandler_url: z.preprocess(
      blank,
      z.url({ protocol: /^https?$/, error: (issue) => (issue.input === undefined || issue.input === null ? 'is required' : 'must be an http or https URL') }).max(2048),
    ),
    workOrderItems: z.array(item, { error: 'must be a list of items' }).min(1, 'must hold at least the VM item').max(50, 'at most 50 items'),
  })
  .superRefine((order, ctx) => {
    if (!order.userId && !order.accountId) ctx.addIssue({ code: 'custom', path: ['userId'], message: 'give userId or accountId' });
    const vms = order.workOrderItems.flatMap((it, i) => (it.resourceType === 'VM' ? [i] : []));
    if (vms.length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['workOrderItems'], message: `must hold exactly one VM item (it holds ${vms.length})` });
      return;
    }
    const vm = order.workOrderItems[vms[0]];
    if (vm.master === false) ctx.addIssue({ code: 'custom', path: ['workOrderItems', vms[0], 'master'], message: 'the VM item is the master item' });
    const seen = new Set<string>();
    for (const [i, it] of order.workOrderItems.entries()) {
      if (seen.has(it.workOrderItemId)) ctx.addIssue({ code: 'custom', path: ['workOrderItems', i, 'workOrderItemId'], message: 'must not repeat another item’s' });
      seen.add(it.workOrderItemId);
      if (it.resourceType !== 'VM' && it.master === true) ctx.addIssue({ code: 'custom', path: ['workOrderItems', i, 'master'], message: 'only the VM item is the master item' });
      // One order is one unit in one datacenter: its items are attached to the one VM.
      if (it.workOrderItemConfig.platformId !== vm.workOrderItemConfig.platformId) {
        ctx.addIssue({ code: 'custom', path: ['workOrderItems', i, 'workOrderItemConfig', 'platformId'], message: 'must be the VM item’s platformId' });
      }
    }
  });

export type WorkOrderMessage = z.output<typeof messageRule>;
export type WorkOrderMessageItem = WorkOrderMessage['workOrderItems'][number];
export type VmItem = Extract<WorkOrderMessageItem, { resourceType: 'VM' }>;
export type EbsItem = Extract<WorkOrderMessageItem, { resourceType: 'EBS' }>;
export type NetworkItem = Extract<WorkOrderMessageItem, { resourceType: 'NETWORK' }>;

/** The path of an item's configuration field, as errors name it. */
export const configField = (index: number, key: string) => `msg.workOrderItems.${index}.workOrderItemConfig.${key}`;

/** The order in `msg`, or BAD_USER_INPUT naming every field at fault (`msg.workOrderItems.1.workOrderItemConfig.volumeSize`). */
export function parseMessage(msg: string): { order: WorkOrderMessage; raw: Record<string, unknown> } {
  if (msg.length > MAX_MESSAGE_CHARS) throw badInput('msg', `at most ${MAX_MESSAGE_CHARS} characters`);
  let raw: unknown;
  try {
    raw = JSON.parse(msg);
  } catch {
    throw badInput('msg', 'is not valid JSON');
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badInput('msg', 'must be a JSON object');
  return { order: parseInput(messageRule, raw, 'msg'), raw: raw as Record<string, unknown> };
}

/**
 * An order as it was stored (`withoutSecrets` of its message), read back for its job. Its
 * secrets read `[redacted]`: the job has them sealed in its own state.
 */
export function parseStoredOrder(payload: unknown): WorkOrderMessage {
  return parseInput(messageRule, payload, 'msg');
}

/** Keys whose values are never stored, logged nor reported (the VM's rootPassword, keys, tokens). */
const SECRET_KEY = /pass(word)?|secret|token|api_?key|private/i;

/**
 * A copy of the message fit to store: item configurations parsed from their JSON strings, and
 * every secret value replaced.
 */
export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > 12) return null;
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => {
        if (SECRET_KEY.test(k)) return [k, '[redacted]'];
        if (k === 'workOrderItemConfig' && typeof v === 'string') return [k, withoutSecrets(parseOrNull(v), depth + 1)];
        return [k, withoutSecrets(v, depth + 1)];
      }),
    );
  }
  return value;
}

/** The message as text with its secrets replaced; one that does not parse is not shown at all (where its secrets are is unknown). */
export function redactedMessage(msg: string): string {
  const raw = parseOrNull(msg);
  return raw && typeof raw === 'object' ? JSON.stringify(withoutSecrets(raw)) : '[not JSON]';
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
