import { ErrorCode } from '../../src/errors';
import { thrownAppError } from '../support/errors';
import { decodeId, encodeId, localId } from '../../src/graph/node/global-id';

const UUID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';


const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('encodeId / decodeId', () => {
  it('round-trips a kind and its parts', () => {
    expect(decodeId(encodeId('User', UUID))).toEqual({ kind: 'User', parts: [UUID] });
    expect(decodeId(encodeId('Instance', 'dc-1', 'i-0abc'))).toEqual({ kind: 'Instance', parts: ['dc-1', 'i-0abc'] });
  });

  it('keeps parts containing separators, quotes and non-ASCII text intact', () => {
    const parts = ['dc:paris:1', 'a:b::c', 'réseau "privé" 🌐', '', '\\'];
    expect(decodeId(encodeId('Network', ...parts))).toEqual({ kind: 'Network', parts });
  });

  it('gives different ids to different splits of the same characters', () => {
    expect(encodeId('Network', 'a:b', 'c')).not.toBe(encodeId('Network', 'a', 'b:c'));
  });

  it('is opaque: URL-safe base64 without padding, kind and parts not readable', () => {
    for (const id of [encodeId('User', UUID), encodeId('FloatingIp', 'dc:1', 'réseau'), encodeId('Job', 'x')]) {
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    const id = encodeId('SecurityGroup', 'dc-paris', 'sg-web');
    expect(id).not.toContain('SecurityGroup');
    expect(id).not.toContain('sg-web');
  });

  it.each([
    ['the empty string', ''],
    ['non-base64url characters', 'not an id!'],
    ['standard base64 with padding', Buffer.from('["User","ab"]').toString('base64')],
    ['base64url of non-JSON', Buffer.from('User:123').toString('base64url')],
    ['a JSON object', b64({ kind: 'User', parts: [UUID] })],
    ['a JSON string', b64('User')],
    ['a JSON number', b64(42)],
    ['an array with a kind only', b64(['User'])],
    ['an empty array', b64([])],
    ['an array with a non-string part', b64(['User', 42])],
    ['an array with a null part', b64(['User', null])],
    ['an array with a non-string kind', b64([1, 'x'])],
  ])('returns null for %s', (_label, id) => {
    expect(decodeId(id)).toBeNull();
  });

  it('returns null for an id longer than 1024 characters, even a well-formed one', () => {
    const fits = encodeId('Instance', 'dc', 'x'.repeat(700));
    expect(fits.length).toBeLessThanOrEqual(1024);
    expect(decodeId(fits)).not.toBeNull();
    const overlong = encodeId('Instance', 'dc', 'x'.repeat(800));
    expect(overlong.length).toBeGreaterThan(1024);
    expect(decodeId(overlong)).toBeNull();
  });
});

describe('localId', () => {
  it('returns the uuid of an id of the expected kind', () => {
    expect(localId(encodeId('User', UUID), 'User')).toBe(UUID);
    expect(localId(encodeId('Datacenter', UUID.toUpperCase()), 'Datacenter')).toBe(UUID.toUpperCase());
  });

  it.each([
    ['an id of another kind', encodeId('Tenancy', UUID)],
    ['a malformed id', 'garbage!'],
    ['a well-formed id whose part is not a uuid', encodeId('User', 'admin')],
    ['a uuid with extra text', encodeId('User', `${UUID}x`)],
    ['an id with two parts', encodeId('User', UUID, UUID)],
    ['a bare uuid instead of a global id', UUID],
  ])('fails as NOT_FOUND for %s', (_label, id) => {
    const error = thrownAppError(() => localId(id, 'User'));
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.message).toBe('User not found.');
  });

  it('names the object with the label, so ids cannot be told apart by message', () => {
    expect(thrownAppError(() => localId(encodeId('Job', UUID), 'AuditEntry', 'Audit entry')).message).toBe('Audit entry not found.');
    expect(thrownAppError(() => localId('garbage', 'AuditEntry', 'Audit entry')).message).toBe('Audit entry not found.');
  });
});
