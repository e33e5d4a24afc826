import { PasswordHasher, djangoPbkdf2Hash } from '../../src/security/passwords';

// logN 10 keeps each hash at a few milliseconds; the format and logic are the same as at 17.
const hasher = new PasswordHasher({ logN: 10 });

/*
 * Reference vectors computed outside node, with CPython 3.11:
 *   hashlib.pbkdf2_hmac('sha256', password.encode(), salt.encode(), iterations), base64-encoded
 * so the test compares node's PBKDF2 with an independent implementation, as Django's own is.
 */
const DJANGO = {
  password: 'correct horse battery staple',
  salt: 'Xq3b9ZkLm2Pw',
  iterations: 20_000,
  hash: 'pbkdf2_sha256$20000$Xq3b9ZkLm2Pw$783dz/skFYoIjkEzeVBTdJuMI+q9rG2GxzeAGenGw3o=',
};
// Non-ASCII password: Django encodes it as UTF-8 before hashing.
const DJANGO_UNICODE = {
  password: 'p\u00e4ssw\u00f6rd\u20ac',
  salt: 'saltSALT1234',
  iterations: 1000,
  hash: 'pbkdf2_sha256$1000$saltSALT1234$J2F8vV98sS0QVlOvCCbn4q66bmdVQwaa0NESIbkibg0=',
};

describe('scrypt hashes', () => {
  it('verifies the password it hashed', async () => {
    const stored = await hasher.hash('s3cret-passphrase');
    expect(stored).toMatch(/^scrypt\$10\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    await expect(hasher.verify('s3cret-passphrase', stored)).resolves.toBe(true);
  });

  it('refuses a wrong password, including near misses', async () => {
    const stored = await hasher.hash('s3cret-passphrase');
    for (const wrong of ['s3cret-passphras', 's3cret-passphrase ', 'S3cret-passphrase', '']) {
      await expect(hasher.verify(wrong, stored)).resolves.toBe(false);
    }
  });

  it('salts every hash differently', async () => {
    const [a, b] = await Promise.all([hasher.hash('same'), hasher.hash('same')]);
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
  });

  it('treats canonically equivalent Unicode spellings as the same password', async () => {
    // Keyboards and platforms differ in composed vs decomposed accents.
    const composed = await hasher.hash('caf\u00e9');
    await expect(hasher.verify('cafe\u0301', composed)).resolves.toBe(true);
    const decomposed = await hasher.hash('cafe\u0301');
    await expect(hasher.verify('caf\u00e9', decomposed)).resolves.toBe(true);
  });

  it('verifies a hash made at another cost, reading the cost from the hash', async () => {
    const stored = await new PasswordHasher({ logN: 11 }).hash('pw-at-cost-11');
    await expect(hasher.verify('pw-at-cost-11', stored)).resolves.toBe(true);
  });

  it('memoises one dummy hash at the current cost that no password matches', async () => {
    const dummy = await hasher.dummyHash();
    expect(await hasher.dummyHash()).toBe(dummy);
    expect(dummy.startsWith('scrypt$10$')).toBe(true);
    await expect(hasher.verify('', dummy)).resolves.toBe(false);
  });
});

describe('needsRehash', () => {
  it('is false for a hash at the current cost', async () => {
    expect(hasher.needsRehash(await hasher.hash('x'))).toBe(false);
  });

  it('is true for a scrypt hash at another cost', async () => {
    const stored = await new PasswordHasher({ logN: 11 }).hash('x');
    expect(hasher.needsRehash(stored)).toBe(true);
    expect(new PasswordHasher({ logN: 11 }).needsRehash(stored)).toBe(false);
  });

  it('is true for an imported Django hash', () => {
    expect(hasher.needsRehash(DJANGO.hash)).toBe(true);
  });
});

describe('Django pbkdf2_sha256 compatibility', () => {
  it('verifies the reference hash computed by Python', async () => {
    await expect(hasher.verify(DJANGO.password, DJANGO.hash)).resolves.toBe(true);
    await expect(hasher.verify(DJANGO_UNICODE.password, DJANGO_UNICODE.hash)).resolves.toBe(true);
  });

  it('refuses a wrong password against the reference hash', async () => {
    await expect(hasher.verify('correct horse battery stapl', DJANGO.hash)).resolves.toBe(false);
    // Django does not normalise Unicode, so the decomposed spelling is a different password.
    await expect(hasher.verify(DJANGO_UNICODE.password.normalize('NFD'), DJANGO_UNICODE.hash)).resolves.toBe(false);
  });

  it('djangoPbkdf2Hash reproduces the Python vectors exactly', async () => {
    await expect(djangoPbkdf2Hash(DJANGO.password, DJANGO.salt, DJANGO.iterations)).resolves.toBe(DJANGO.hash);
    await expect(djangoPbkdf2Hash(DJANGO_UNICODE.password, DJANGO_UNICODE.salt, DJANGO_UNICODE.iterations)).resolves.toBe(
      DJANGO_UNICODE.hash,
    );
  });

  it('djangoPbkdf2Hash defaults to 20000 iterations', async () => {
    await expect(djangoPbkdf2Hash(DJANGO.password, DJANGO.salt)).resolves.toBe(DJANGO.hash);
  });

  it('binds the hash to its iteration count and salt', async () => {
    const [, , salt, key] = DJANGO.hash.split('$');
    await expect(hasher.verify(DJANGO.password, `pbkdf2_sha256$20001$${salt}$${key}`)).resolves.toBe(false);
    await expect(hasher.verify(DJANGO.password, `pbkdf2_sha256$20000$${salt}x$${key}`)).resolves.toBe(false);
  });
});

describe('malformed hashes', () => {
  const b64_32 = Buffer.alloc(32, 1).toString('base64');
  const cases: [string, string][] = [
    ['empty', ''],
    ['plain text', 'password'],
    ['unknown scheme', `bcrypt$10$8$1$c2FsdA==$${b64_32}`],
    ['scrypt with too few parts', 'scrypt$10$8$1$c2FsdA=='],
    ['scrypt with too many parts', `scrypt$10$8$1$c2FsdA==$${b64_32}$extra`],
    ['scrypt with a non-numeric cost', `scrypt$abc$8$1$c2FsdA==$${b64_32}`],
    ['scrypt with a negative cost', `scrypt$-3$8$1$c2FsdA==$${b64_32}`],
    ['scrypt with an absurd cost', `scrypt$60$8$1$c2FsdA==$${b64_32}`],
    ['scrypt with r = 0', `scrypt$10$0$1$c2FsdA==$${b64_32}`],
    ['pbkdf2 with too few parts', 'pbkdf2_sha256$20000$salt'],
    ['pbkdf2 with zero iterations', `pbkdf2_sha256$0$salt$${b64_32}`],
    ['pbkdf2 with fractional iterations', `pbkdf2_sha256$1.5$salt$${b64_32}`],
    ['pbkdf2 with too many iterations', `pbkdf2_sha256$99999999$salt$${b64_32}`],
    ['pbkdf2 with a short key', 'pbkdf2_sha256$1000$salt$AAAA'],
    ['pbkdf2 with an empty key', 'pbkdf2_sha256$1000$salt$'],
    // An empty or short key must not match the (equally short) scrypt output of any password.
    ['scrypt with an empty key', 'scrypt$10$8$1$c2FsdA==$'],
    ['scrypt with a key that is not base64', 'scrypt$10$8$1$c2FsdA==$!!!!'],
    ['scrypt with an empty salt and key', 'scrypt$10$8$1$$'],
    ['scrypt with a 1-byte key', 'scrypt$10$8$1$c2FsdA==$AA=='],
  ];

  it.each(cases)('%s: false, without throwing', async (_label, stored) => {
    await expect(hasher.verify('password', stored)).resolves.toBe(false);
  });
});
