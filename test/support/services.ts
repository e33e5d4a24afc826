/**
 * Tests that need a real PostgreSQL or Redis read their URL here. On a machine without them
 * those tests skip; under CI (CI=true) a missing service is a failure, never a silent skip.
 */
export function serviceUrl(service: 'postgres' | 'redis'): string | null {
  const names = service === 'postgres' ? ['DATABASE_URL', 'TEST_DATABASE_URL'] : ['REDIS_URL', 'TEST_REDIS_URL'];
  for (const name of names) {
    const value = process.env[name];
    if (value) return value;
  }
  if (process.env.CI === 'true') {
    throw new Error(`${service} is required under CI: set ${names[1]} (the suite never skips it there)`);
  }
  return null;
}

/** `describe` when the service is there, `describe.skip` when not (and not under CI). */
export function describeWith(service: 'postgres' | 'redis'): jest.Describe {
  return serviceUrl(service) ? describe : describe.skip;
}
