import { GraphQLError } from 'graphql';
import { CloudError, type CloudErrorCode } from '../../src/clouds/driver';
import { isExpectedError, toClientError } from '../../src/errors';

const CODES: CloudErrorCode[] = ['NOT_FOUND', 'CONFLICT', 'FORBIDDEN', 'BAD_USER_INPUT', 'QUOTA_EXCEEDED', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE'];

/** As graphql-js hands a resolver's error to the formatter. */
function fromResolver(error: Error): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, path: ['network'] });
}

describe('a driver error reaching a client', () => {
  it.each(CODES)('%s keeps its code, the datacenter and the cloud’s own words', (code) => {
    const error = new CloudError(code, 'Network n-1 could not be found.', { status: 404, code: 'NetworkNotFound', message: 'Network n-1 could not be found.' }, 'hz-os');
    const raw = fromResolver(error);
    const formatted = toClientError(raw.toJSON(), raw, { exposeUnexpected: false });
    expect(formatted).toMatchObject({
      message: 'Network n-1 could not be found.',
      path: ['network'],
      extensions: { code, datacenter: 'hz-os', upstream: { status: 404, code: 'NetworkNotFound', message: 'Network n-1 could not be found.' } },
    });
    expect(isExpectedError(raw)).toBe(true);
  });

  it('leaves out upstream fields the cloud did not give', () => {
    const raw = fromResolver(new CloudError('UPSTREAM_UNAVAILABLE', 'down', { message: 'timeout' }, 'bj-cs'));
    expect(toClientError(raw.toJSON(), raw, { exposeUnexpected: false }).extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      datacenter: 'bj-cs',
      upstream: { message: 'timeout' },
    });
  });
});
