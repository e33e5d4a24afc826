import Redis from 'ioredis';
import { ADMIN_LOGIN, ADMIN_PASSWORD } from '../support/app';
import { useGatewayProcesses } from '../support/gateways';
import { serviceUrl } from '../support/services';
import { openRaw } from '../support/ws';

/*
 * The rate limits shared by two real gateway processes (dist/main.js) on one Postgres
 * database and one Redis (the file's own redis-server, so its keys can be listed): requests
 * alternated between them spend one budget per caller.
 */

const PER_USER = 8;
const ANONYMOUS = 6;

interface Answer {
  status: number;
  retryAfter: string | null;
  body: any;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: JSON.parse(await res.text()) };
}

(serviceUrl('postgres') && serviceUrl('redis') ? describe : describe.skip)('rate limits across two gateways on one Redis', () => {
  // One environment for both: the same database, Redis and key prefix.
  const gateways = useGatewayProcesses({
    RATE_LIMIT_PER_USER: String(PER_USER),
    RATE_LIMIT_ANONYMOUS: String(ANONYMOUS),
    TRUST_PROXY: 'true',
    WS_ALLOW_OPERATIONS: 'true',
  });

  const login = async (url: string) => {
    const answer = await post(url, { query: 'mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }', variables: { l: ADMIN_LOGIN, p: ADMIN_PASSWORD } });
    expect(answer.body.errors).toBeUndefined();
    return answer.body.data.login.token as string;
  };

  test(`a user’s ${PER_USER} requests a minute are one budget over both gateways; the next is refused on either`, async () => {
    // One session signed in on each gateway (anonymous requests from 127.0.0.1).
    const tokens = [await login(gateways.urls[0]), await login(gateways.urls[1])];
    for (let i = 0; i < PER_USER; i++) {
      const answer = await post(gateways.urls[i % 2], { query: '{ viewer { username } }' }, { authorization: `Bearer ${tokens[(i + 1) % 2]}` });
      expect(answer.status).toBe(200);
      expect(answer.body.data.viewer.username).toBe(ADMIN_LOGIN);
    }
    for (const url of gateways.urls) {
      const answer = await post(url, { query: '{ viewer { username } }' }, { authorization: `Bearer ${tokens[0]}` });
      expect(answer.status).toBe(429);
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
      expect(answer.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: Number(answer.retryAfter), limit: { name: 'RATE_LIMIT_PER_USER', max: PER_USER } });
    }
    // A WebSocket subscribe on either gateway spends the same budget: refused as well.
    const socket = await openRaw(gateways.urls[1]);
    try {
      socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${tokens[0]}` } });
      expect((await socket.next()).type).toBe('connection_ack');
      socket.send({ id: '1', type: 'subscribe', payload: { query: '{ viewer { username } }' } });
      expect(await socket.next()).toMatchObject({ type: 'error', id: '1', payload: [{ extensions: { code: 'RATE_LIMITED' } }] });
    } finally {
      await socket.close();
    }

    // The counters are Redis keys under the gateways' REDIS_PREFIX.
    const redis = new Redis(gateways.redisUrl);
    try {
      const keys = await redis.keys(`${gateways.env.REDIS_PREFIX}rate-*`);
      expect(keys.some((k) => k.startsWith(`${gateways.env.REDIS_PREFIX}rate-user`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${gateways.env.REDIS_PREFIX}rate-anonymous`))).toBe(true);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  test(`an anonymous address’s ${ANONYMOUS} requests a minute are one budget over both gateways`, async () => {
    const from = { 'x-forwarded-for': '192.0.2.55' };
    for (let i = 0; i < ANONYMOUS; i++) {
      const answer = await post(gateways.urls[i % 2], { query: '{ __typename }' }, from);
      expect(answer.status).toBe(200);
    }
    for (const url of gateways.urls) expect((await post(url, { query: '{ __typename }' }, from)).status).toBe(429);
    // Another address has its own budget.
    expect((await post(gateways.urls[0], { query: '{ __typename }' }, { 'x-forwarded-for': '192.0.2.56' })).status).toBe(200);
  }, 60_000);
});
