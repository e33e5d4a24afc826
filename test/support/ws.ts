import { createClient, type Client, type ExecutionResult, type SubscribePayload } from 'graphql-ws';
import type { Socket } from 'node:net';
import WebSocket from 'ws';

/** The WebSocket address of a gateway's GraphQL URL (same host, port and path). */
export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

/** A graphql-ws client on `ws`, without retries (a refused connection is a result, not a retry). */
export function wsClient(httpUrl: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

export type WsOutcome =
  | { kind: 'results'; results: ExecutionResult[] }
  | { kind: 'error'; error: unknown };

/** Runs one operation to its end: every result, or what the sink's error received. */
export function wsExecute(client: Client, payload: SubscribePayload): Promise<WsOutcome> {
  return new Promise((resolve) => {
    const results: ExecutionResult[] = [];
    client.subscribe(payload, {
      next: (value) => void results.push(value as ExecutionResult),
      error: (error) => resolve({ kind: 'error', error }),
      complete: () => resolve({ kind: 'results', results }),
    });
  });
}

/** A raw socket speaking graphql-transport-ws, with its messages queued and its close recorded. */
export interface RawSocket {
  socket: WebSocket;
  /** The TCP socket under it (pause() it to stop reading). */
  tcp: Socket;
  /** Frames that came as binary rather than text. */
  binaryFrames(): number;
  /** The next message from the server (parsed), or a rejection once the socket closes. */
  next(timeoutMs?: number): Promise<{ type: string; id?: string; payload?: unknown }>;
  send(message: unknown): void;
  /** Resolves with the close code and reason when the socket closes. */
  closed: Promise<{ code: number; reason: string; at: number }>;
  close(): Promise<void>;
}

export async function openRaw(httpUrl: string): Promise<RawSocket> {
  const socket = new WebSocket(wsUrl(httpUrl), 'graphql-transport-ws');
  const queue: { type: string; id?: string; payload?: unknown }[] = [];
  const waiters: (() => void)[] = [];
  let isClosed = false;
  let tcp: Socket | null = null;
  let binary = 0;
  socket.once('upgrade', (response) => (tcp = response.socket));
  const wake = () => waiters.splice(0).forEach((w) => w());
  socket.on('message', (data, isBinary) => {
    if (isBinary) binary++;
    queue.push(JSON.parse(String(data)) as { type: string });
    wake();
  });
  // Errors (for example a refused frame) are followed by a close event; they are not failures here.
  socket.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => {
    socket.on('close', (code, reason) => {
      isClosed = true;
      wake();
      resolve({ code, reason: reason.toString(), at: Date.now() });
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    socket.once('error', reject);
  });

  const next: RawSocket['next'] = async (timeoutMs = 2000) => {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0) {
      if (isClosed) throw new Error('socket closed before the next message');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no message within the timeout');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return queue.shift()!;
  };

  return {
    socket,
    tcp: tcp!,
    binaryFrames: () => binary,
    next,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    closed,
    close: async () => {
      if (socket.readyState === WebSocket.CLOSED) return;
      if (socket.readyState !== WebSocket.CLOSING) socket.close(1000);
      // A peer that never answers the close handshake would keep us waiting; terminate after a while.
      const timer = setTimeout(() => socket.terminate(), 1000);
      await closed;
      clearTimeout(timer);
    },
  };
}
