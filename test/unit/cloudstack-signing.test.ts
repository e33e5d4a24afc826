import { canonicalString, computeSignature, encodeQuery, formatExpires, javaUrlEncode, signParams } from '../../src/clouds/cloudstack/signing';

/*
 * Expected strings and signatures were computed outside this code base, with Python's hmac
 * and hashlib over a byte-by-byte Java URLEncoder (unreserved A-Z a-z 0-9 . - * _, space → %20):
 *
 *   s = '&'.join(f"{k}={java_enc(params[k])}" for k in sorted(params)).lower()
 *   base64.b64encode(hmac.new(secret.encode(), s.encode(), hashlib.sha1).digest())
 */

describe('CloudStack request signing', () => {
  it('encodes values as Java URLEncoder does, space as %20', () => {
    expect(javaUrlEncode("a b*c!d'e(f)g~h+i/j=k&l%m é€")).toBe('a%20b*c%21d%27e%28f%29g%7Eh%2Bi%2Fj%3Dk%26l%25m%20%C3%A9%E2%82%AC');
    expect(javaUrlEncode('A-Z_a.z*09')).toBe('A-Z_a.z*09');
  });

  it('signs a plain list call (vector 1)', () => {
    const params = {
      command: 'listZones',
      response: 'json',
      apikey: 'plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg',
    };
    expect(canonicalString(params)).toBe(
      'apikey=plgwjfzk4gys3momtvmjuvg-x-jlwlnfauj9gabbbf9edm-kaymmailqzzq1elzlyq_u38zcm0bewzgudp66mg&command=listzones&response=json',
    );
    expect(computeSignature(params, 'VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ')).toBe('HmSwFbyOmNCn2FB58UXRauTAI3A=');
  });

  it('keeps map names raw, escapes every special character and sorts by name (vector 2)', () => {
    const params = {
      command: 'createTags',
      response: 'json',
      apikey: 'k3y',
      resourceids: '6b38f1df-819a-4556-b34d-ef0b043abdc0',
      resourcetype: 'PublicIpAddress',
      'tags[0].key': 'description',
      'tags[0].value': "a b*c!d'e(f)g~h+i/j=k&l%m é€",
    };
    expect(canonicalString(params)).toBe(
      'apikey=k3y&command=createtags&resourceids=6b38f1df-819a-4556-b34d-ef0b043abdc0&resourcetype=publicipaddress&response=json&tags[0].key=description&tags[0].value=a%20b*c%21d%27e%28f%29g%7eh%2bi%2fj%3dk%26l%25m%20%c3%a9%e2%82%ac',
    );
    expect(computeSignature(params, 's3cr3t/+=')).toBe('zqwWP+6C2Wu+pltkr8NE/Izhc3U=');
  });

  it('signs signatureversion 3 with expires (vector 3)', () => {
    const signed = signParams({ command: 'listVirtualMachines', response: 'json', ids: 'a,b' }, 'k3y', 's3cr3t', {
      expiresInMs: 10 * 60_000,
      now: new Date('2026-01-01T12:00:00Z'),
    });
    expect(signed).toEqual({
      command: 'listVirtualMachines',
      response: 'json',
      ids: 'a,b',
      apikey: 'k3y',
      signatureversion: '3',
      expires: '2026-01-01T12:10:00+0000',
      signature: 'Sex/mUIF5g0/Yv+zfsJC/x0LAMo=',
    });
  });

  it('lower-cases parameter names so that the sort cannot differ from the server', () => {
    const signed = signParams({ Command: 'listZones', RESPONSE: 'json' }, 'plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg', 'VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ');
    expect(signed.signature).toBe('HmSwFbyOmNCn2FB58UXRauTAI3A=');
  });

  it('ignores a signature already among the parameters', () => {
    expect(canonicalString({ command: 'listZones', signature: 'old' })).toBe('command=listzones');
  });

  it('puts the signature on the wire URL-encoded', () => {
    expect(encodeQuery({ command: 'listZones', signature: 'zqwWP+6C2Wu+pltkr8NE/Izhc3U=' })).toBe('command=listZones&signature=zqwWP%2B6C2Wu%2Bpltkr8NE%2FIzhc3U%3D');
  });

  it('formats expires as the server parses it', () => {
    expect(formatExpires(new Date('2026-03-04T05:06:07.890Z'))).toBe('2026-03-04T05:06:07+0000');
  });
});
