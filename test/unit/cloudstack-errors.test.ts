import { classify, toCloudError } from '../../src/clouds/cloudstack/errors';

const UNKNOWN_ID =
  'Unable to execute API command deletevolume due to invalid value. Invalid parameter id value=0000 due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.';

describe('CloudStack errors → CloudError codes', () => {
  it.each([
    [401, 'unable to verify user credentials and/or request signature', 'tenant', 'FORBIDDEN'],
    [431, UNKNOWN_ID, 'tenant', 'NOT_FOUND'],
    [431, "A key pair with name 'k' does not exist for account ct_1 in specified domain id", 'tenant', 'NOT_FOUND'],
    [431, "A key pair with name 'k' already exists for account ct_1 in specified domain id", 'tenant', 'CONFLICT'],
    [431, 'The network group default is reserved', 'tenant', 'CONFLICT'],
    [431, 'Invalid port range 90:80', 'tenant', 'BAD_USER_INPUT'],
    [531, 'Account ct_2 does not have permission to operate with resource x', 'tenant', 'NOT_FOUND'],
    [531, 'Account ct_2 does not have permission to operate with resource x', 'admin', 'FORBIDDEN'],
    [531, 'Parameter expunge can be passed by Admin only. Or when the allow.user.expunge.recover.vm key is set.', 'tenant', 'FORBIDDEN'],
    [531, 'Account does not have permission for expunging.', 'tenant', 'FORBIDDEN'],
    [532, "Maximum number of resources of type 'user_vm' for account name=ct_1 in domain id=1 has been exceeded.", 'tenant', 'QUOTA_EXCEEDED'],
    [536, "Cannot delete group when it's in use by virtual machines", 'tenant', 'CONFLICT'],
    [537, 'Failed to enable static nat: already assigned', 'tenant', 'CONFLICT'],
    [530, 'Unable to start VM instance', 'tenant', 'UPSTREAM_ERROR'],
    [533, 'Insufficient address capacity', 'tenant', 'UPSTREAM_ERROR'],
    [432, 'The given command:x does not exist', 'admin', 'UPSTREAM_ERROR'],
    [429, 'throttled', 'tenant', 'UPSTREAM_UNAVAILABLE'],
    [503, 'HTTP 503', 'tenant', 'UPSTREAM_UNAVAILABLE'],
    [500, 'HTTP 500', 'tenant', 'UPSTREAM_ERROR'],
  ] as const)('%i %s (%s) → %s', (errorcode, text, role, code) => {
    expect(classify(errorcode, text, role)).toBe(code);
  });

  const context = (role: 'admin' | 'tenant') => ({ command: 'deleteVolume', role, datacenter: 'bj-cs', scrub: (t: string) => t.split('SECRETKEY').join('[redacted]') });

  it('keeps the cloud’s words for the admin, with cserrorcode as the code', () => {
    const err = toCloudError({ status: 431, errorcode: 431, cserrorcode: 4350, errortext: UNKNOWN_ID }, context('admin'));
    expect(err).toMatchObject({ code: 'NOT_FOUND', datacenter: 'bj-cs', upstream: { status: 431, code: '4350', message: UNKNOWN_ID } });
  });

  it('makes "not yours" and "not there" read the same to a tenant', () => {
    const missing = toCloudError({ status: 431, errorcode: 431, cserrorcode: 4350, errortext: UNKNOWN_ID }, context('tenant'));
    const foreign = toCloudError({ status: 531, errorcode: 531, cserrorcode: 4365, errortext: 'Account ct_2 does not have permission to operate with resource x of account ct_1' }, context('tenant'));
    expect(foreign.toInfo()).toEqual(missing.toInfo());
    expect(foreign.upstream).toEqual({});
  });

  it('names the failing step and scrubs secrets from the text', () => {
    const err = toCloudError({ status: 536, errorcode: 536, errortext: 'in use; key SECRETKEY' }, { ...context('admin'), step: 'delete network n: delete subnet web' });
    expect(err.message).toBe('delete network n: delete subnet web: deleteVolume failed: in use; key [redacted]');
    expect(JSON.stringify(err.upstream)).not.toContain('SECRETKEY');
  });

  it('reports a refused credential without echoing the request', () => {
    const err = toCloudError({ status: 401, errorcode: 401, errortext: 'unable to verify user credentials and/or request signature' }, context('tenant'));
    expect(err.message).toBe('bj-cs refused the credentials for deleteVolume.');
  });
});
