import { redact } from '../../src/graph/audit/audit.middleware';

const R = '[redacted]';

describe('redact', () => {
  it.each(['password', 'newPassword', 'oldPassword', 'confirmPassword', 'secretKey', 'apiKey', 'api_key', 'token', 'refreshToken', 'privateKey', 'PASSWORD', 'clientSecret', 'pass'])(
    'removes the value of `%s`',
    (key) => {
      expect(redact({ [key]: 'hunter2', username: 'alice' })).toEqual({ [key]: R, username: 'alice' });
    },
  );

  it('removes secrets at any depth, including inside arrays', () => {
    const args = {
      input: {
        name: 'dc-paris',
        credentials: { username: 'admin', password: 'p1', apiKey: 'k1' },
        endpoints: [{ url: 'https://a', token: 't1' }, { url: 'https://b', privateKey: '-----BEGIN' }],
      },
    };
    expect(redact(args)).toEqual({
      input: {
        name: 'dc-paris',
        credentials: { username: 'admin', password: R, apiKey: R },
        endpoints: [{ url: 'https://a', token: R }, { url: 'https://b', privateKey: R }],
      },
    });
    expect(JSON.stringify(redact(args))).not.toMatch(/p1|k1|t1|BEGIN/);
  });

  it('removes a whole object or array held under a secret key', () => {
    expect(redact({ secretKey: { hex: 'abc', base64: 'def' }, tokens: ['a', 'b'] })).toEqual({ secretKey: R, tokens: R });
  });

  it('keeps other values as they are, without touching the input', () => {
    const args = { id: 'VXNlcjox', first: 10, active: false, note: null, tags: ['a', 'b'], nested: { email: 'a@example.com' } };
    const copy = structuredClone(args);
    expect(redact(args)).toEqual(args);
    expect(redact(args)).not.toBe(args);
    expect(args).toEqual(copy);
  });

  it('does not mutate the input when redacting', () => {
    const args = { input: { password: 'hunter2' } };
    redact(args);
    expect(args.input.password).toBe('hunter2');
  });

  it('drops undefined values and writes dates as ISO strings', () => {
    expect(redact({ a: undefined, at: new Date('2024-05-01T10:00:00Z') })).toEqual({ at: '2024-05-01T10:00:00.000Z' });
    expect(Object.keys(redact({ a: undefined, b: 1 }) as object)).toEqual(['b']);
  });

  it('truncates strings longer than 500 characters', () => {
    const long = 'x'.repeat(10_000);
    expect(redact({ userData: long })).toEqual({ userData: `${'x'.repeat(500)}…` });
    expect(redact({ userData: 'y'.repeat(500) })).toEqual({ userData: 'y'.repeat(500) });
    expect(redact(['z'.repeat(501)])).toEqual([`${'z'.repeat(500)}…`]);
  });

  it('caps arrays at 50 items and deep nesting', () => {
    expect(redact({ ids: Array.from({ length: 80 }, (_, i) => i) })).toEqual({ ids: Array.from({ length: 50 }, (_, i) => i) });
    let deep: unknown = { password: 'deepest' };
    for (let i = 0; i < 10; i++) deep = { next: deep };
    const json = JSON.stringify(redact(deep));
    expect(json).toContain('[deep]');
    expect(json).not.toContain('deepest');
  });
});
