import WebSocket from 'ws';

/*
 * The fan-out's load side: one subscription over the GraphQL over WebSocket protocol
 * (graphql-transport-ws: connection_init → connection_ack, subscribe, next… complete), spoken
 * with `ws` directly. The clients share a core with PostgreSQL, Redis and the publisher, and
 * at 50,000 messages a second graphql-ws's own client (its message validation and event
 * chain, on top of the same socket and JSON.parse) made the load side as busy as the gateways
 * it measures. BENCH_WS_CLIENT=graphql-ws runs that client instead.
 */

export interface Subscriber {
  dispose(): void | Promise<void>;
}

export interface SubscribeOptions {
  url: string;
  connectionParams: Record<string, unknown>;
  query: string;
  variables: Record<string, unknown>;
  /** Each `next` payload. */
  next(payload: { data?: unknown; errors?: unknown[] }): void;
  /** An `error` message, or the socket failing or closing before `complete`. */
  error(err: Error): void;
}

const ACK_TIMEOUT_MS = 10_000;

/** Resolves once the server has acknowledged the connection and the subscribe has been sent. */
export function subscribeOverWs(options: SubscribeOptions): Promise<Subscriber> {
  const socket = new WebSocket(options.url, 'graphql-transport-ws');
  let ended = false;
  const subscriber: Subscriber = {
    dispose: () =>
      new Promise<void>((resolve) => {
        ended = true;
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id: '1', type: 'complete' }));
        socket.close(1000, 'done');
      }),
  };
  return new Promise<Subscriber>((resolve, reject) => {
    let acknowledged = false;
    const fail = (err: Error) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      socket.terminate();
      if (acknowledged) options.error(err);
      else reject(err);
    };
    const timer = setTimeout(() => fail(new Error('no connection_ack')), ACK_TIMEOUT_MS);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: options.connectionParams })));
    socket.on('error', (err) => fail(err));
    socket.on('close', (code) => fail(new Error(`connection closed: ${code}`)));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; id?: string; payload?: unknown };
      switch (message.type) {
        case 'next':
          return options.next(message.payload as { data?: unknown });
        case 'connection_ack':
          clearTimeout(timer);
          acknowledged = true;
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: options.query, variables: options.variables } }));
          return resolve(subscriber);
        case 'ping':
          return socket.send(JSON.stringify({ type: 'pong' }));
        case 'error':
          return fail(new Error(JSON.stringify(message.payload)));
        case 'complete':
          ended = true;
          return;
        default:
          return;
      }
    });
  });
}
