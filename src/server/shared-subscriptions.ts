import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  print,
  subscribe,
  visit,
  type ASTNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { fellBehind, isPushSource, type PushSource } from '../pubsub/feed';

/**
 * Unsent bytes a WebSocket may hold before its shared subscriptions are dropped as too slow
 * (RATE_LIMITED; jobProgress with afterSeq resumes): about a thousand job events.
 */
export const WS_MAX_BUFFERED_BYTES = 1024 * 1024;

/** Where a subscription's messages go when the fan-out writes them itself. */
export interface Delivery {
  /** The connection's WebSocket, for its state. */
  socket: WebSocket;
  /**
   * Its TCP socket (the upgraded request's), where whole `next` frames are written. The
   * WebSocket server compresses nothing, so its own frames go out whole and in order too.
   */
  tcp: Duplex;
  /** The subscription's id on it (the client's). */
  id: string;
  /** The result as this subscriber is to see it, for results with errors (what graphql-ws's onNext does). */
  format(result: ExecutionResult, args: ExecutionArgs): ExecutionResult;
}

/** Deliveries by the context of the subscription they belong to. */
const deliveries = new WeakMap<object, Delivery>();

/** Lets the fan-out write the events of the subscription with context `contextValue` to its socket itself. */
export function deliverDirectly(contextValue: object, delivery: Delivery): void {
  deliveries.set(contextValue, delivery);
}

/**
 * Subscriptions whose root field is marked `@Extensions({ sharedResult: true })` run their
 * selection once per event and selection, not once per subscriber: every subscriber of a
 * process receives the same event object (the pubsub parses a message once), so the first
 * subscriber to take an event executes it and the others reuse that result. Who may see
 * which events is still decided per subscriber, by the field's `subscribe` (its arguments,
 * filters and the viewer); the mark says the result of an event they may see depends on the
 * event and the selection only. Results with errors are not shared: each subscriber runs its own.
 *
 * Where the event source can push (an EventFeed) and the subscription has a Delivery, the
 * result's JSON is also made once per event and selection, and each subscriber's `next`
 * message is written to its socket as the event comes (see DirectStream).
 */
export function sharedSubscribe(args: ExecutionArgs) {
  const key = sharedSelectionKey(args);
  if (key === null) return subscribe(args);
  return (async () => {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream as ExecutionResult;
    const delivery = typeof args.contextValue === 'object' && args.contextValue !== null ? deliveries.get(args.contextValue) : undefined;
    if (delivery && isPushSource(stream)) return new DirectStream(stream, key, args, delivery);
    return mapEvents(stream, async (event) => {
      const result = await sharedResult(event, key, args).result;
      return result.errors?.length ? execute({ ...args, rootValue: event }) : result;
    });
  })();
}

/** One execution of a selection for an event, and its JSON once asked for. */
class Shared {
  readonly result: Promise<ExecutionResult>;
  /** Set once the execution has ended. */
  settled: { result: ExecutionResult } | { error: unknown } | null = null;
  private json: Buffer | null = null;

  /** Called once the execution has ended: one turn of the event loop for all of them, not one each. */
  private waiters: (() => void)[] = [];

  constructor(run: () => ExecutionResult | Promise<ExecutionResult>) {
    let value: ExecutionResult | Promise<ExecutionResult>;
    try {
      value = run();
    } catch (error) {
      value = Promise.reject(error);
    }
    if (isPromiseLike(value)) {
      this.result = Promise.resolve(value).then(
        (result) => {
          this.settle({ result });
          return result;
        },
        (error: unknown) => {
          this.settle({ error });
          throw error;
        },
      );
      // Whoever reads the result sees the failure; this copy is only kept.
      this.result.catch(() => undefined);
    } else {
      this.settled = { result: value };
      this.result = Promise.resolve(value);
    }
  }

  /** Calls `waiter` once the execution has ended (at once if it has). */
  whenSettled(waiter: () => void): void {
    if (this.settled) waiter();
    else this.waiters.push(waiter);
  }

  private settle(settled: { result: ExecutionResult } | { error: unknown }): void {
    this.settled = settled;
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** The result's JSON as graphql-ws sends a `next` payload (`errors` absent when there are none), as UTF-8. */
  payload(result: ExecutionResult): Buffer {
    return (this.json ??= Buffer.from(JSON.stringify(result)));
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Results by event (dropped with it) and selection. */
const sharedResults = new WeakMap<object, Map<string, Shared>>();

function sharedResult(event: unknown, key: string, args: ExecutionArgs): Shared {
  const own = () => new Shared(() => execute({ ...args, rootValue: event }));
  if (typeof event !== 'object' || event === null) return own();
  let byKey = sharedResults.get(event);
  if (!byKey) sharedResults.set(event, (byKey = new Map()));
  let shared = byKey.get(key);
  if (!shared) byKey.set(key, (shared = own()));
  return shared;
}

/**
 * A shared subscription whose messages are written straight to the socket. graphql-ws still
 * owns the subscription: it holds this as the operation's iterator, calls return() when the
 * client completes it or the socket closes, and sends `complete` (or `error`) when next()
 * settles. next() yields nothing: it settles when the source ends or fails, after every event
 * taken before has been written. Each event is written in the order it came, as soon as its
 * shared result is ready: `{"id":…,"type":"next","payload":…}` with the payload's JSON made
 * once per event and selection, the message graphql-ws itself would send. What this skips per
 * subscriber and event is graphql-ws's chain of promises, its message validation, the
 * stringifying of the whole message, and the wait for each write before the next.
 */
class DirectStream implements AsyncIterableIterator<ExecutionResult> {
  /** Events taken and not yet written, in order. */
  private readonly queue: { event: unknown; shared: Shared; own: boolean }[] = [];
  private readonly prefix: Buffer;
  private sourceEnded = false;
  private failure: { error: unknown } | null = null;
  private finished = false;
  private reader: { resolve: (result: IteratorResult<ExecutionResult>) => void; reject: (err: unknown) => void } | null = null;
  /**
   * Writes what is ready. Called from the pubsub's loop over subscribers and from an
   * execution's end: a failure here ends this subscription, not the other subscribers' turns.
   */
  private readonly flush = () => {
    try {
      this.writeReady();
    } catch (error) {
      this.stop(error);
    }
  };

  constructor(
    private readonly source: PushSource<unknown>,
    private readonly key: string,
    private readonly args: ExecutionArgs,
    private readonly delivery: Delivery,
  ) {
    this.prefix = Buffer.from(`{"id":${JSON.stringify(delivery.id)},"type":"next","payload":`);
    source.listen({
      next: (event) => this.take(event),
      end: () => {
        this.sourceEnded = true;
        this.flush();
      },
      fail: (error) => {
        this.sourceEnded = true;
        this.failure = { error };
        this.flush();
      },
    });
  }

  private take(event: unknown): void {
    if (this.finished) return;
    const shared = sharedResult(event, this.key, this.args);
    this.queue.push({ event, shared, own: false });
    // Nothing before it: written now, or once its result is ready. Else after those before it.
    if (this.queue.length === 1) this.flush();
  }

  /** Writes the events at the head of the queue whose results are ready; ends the stream once the source has and nothing is left. */
  private writeReady(): void {
    while (!this.finished && this.queue.length) {
      const head = this.queue[0];
      const settled = head.shared.settled;
      if (!settled) return head.shared.whenSettled(this.flush);
      if ('error' in settled) return this.stop(settled.error);
      const { result } = settled;
      if (result.errors?.length && !head.own) {
        // Not shared: this subscriber's own execution, formatted for it.
        head.shared = new Shared(() => execute({ ...this.args, rootValue: head.event }));
        head.own = true;
        continue;
      }
      this.queue.shift();
      const payload = head.own ? Buffer.from(JSON.stringify(this.delivery.format(result, this.args))) : head.shared.payload(result);
      if (!this.write(payload)) return this.stop(fellBehind());
    }
    if (this.sourceEnded && !this.queue.length) this.stop(this.failure?.error);
  }

  /** Writes the `next` message of `payload`; false when the socket holds too much unsent already (the client reads slower than events come). */
  private write(payload: Buffer): boolean {
    const { socket, tcp } = this.delivery;
    // Closing: graphql-ws calls return() once it is closed.
    if (socket.readyState !== WebSocket.OPEN || !tcp.writable) return true;
    if (socket.bufferedAmount > WS_MAX_BUFFERED_BYTES) return false;
    tcp.write(textFrame(this.prefix, payload, CLOSE_BRACE));
    return true;
  }

  /** Ends the stream: done, or failed with `error`; the source is let go. */
  private stop(error?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.queue.length = 0;
    void this.source.return?.();
    const reader = this.reader;
    this.reader = null;
    if (error === undefined) {
      reader?.resolve({ value: undefined, done: true });
    } else {
      this.failure = { error };
      reader?.reject(error);
    }
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.finished) {
      const failure = this.failure;
      this.failure = null;
      return failure ? Promise.reject(failure.error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.reader = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.failure = null;
    this.stop();
    await this.source.return?.();
    return { value: undefined, done: true };
  }

  async throw(): Promise<IteratorResult<ExecutionResult>> {
    return this.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}

const CLOSE_BRACE = Buffer.from('}');

/**
 * One unmasked, unfragmented WebSocket text frame (RFC 6455 §5.2) of the parts' bytes, in one
 * buffer: one write, where the WebSocket's own send takes a header and a body (a writev).
 */
export function textFrame(...parts: Buffer[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, text
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  let offset = header;
  for (const part of parts) offset += part.copy(frame, offset);
  return frame;
}

/**
 * What makes two subscriptions' results for one event the same: the document, the operation,
 * and the values of the variables used below the root field (its own arguments, such as
 * jobProgress's afterSeq, choose which events come, not how one is rendered). Null when the
 * subscription's root field is not marked shareable.
 */
function sharedSelectionKey(args: ExecutionArgs): string | null {
  const used = sharedVariables(args);
  if (used === null) return null;
  const values = used.map((name) => [name, args.variableValues?.[name] ?? null]);
  return JSON.stringify([printed(args.document), args.operationName ?? null, values]);
}

/** Per document and operation: the variables used below a shareable root field (sorted), or null when it is not shareable. */
const sharedVariablesOf = new WeakMap<DocumentNode, Map<string | null, string[] | null>>();
function sharedVariables(args: ExecutionArgs): string[] | null {
  let byOperation = sharedVariablesOf.get(args.document);
  if (!byOperation) sharedVariablesOf.set(args.document, (byOperation = new Map()));
  const name = args.operationName ?? null;
  let used = byOperation.get(name);
  if (used === undefined) byOperation.set(name, (used = findSharedVariables(args)));
  return used;
}

function findSharedVariables(args: ExecutionArgs): string[] | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation !== 'subscription' || operation.selectionSet.selections.length !== 1) return null;
  const [root] = operation.selectionSet.selections;
  if (root.kind !== Kind.FIELD) return null;
  const field = args.schema.getSubscriptionType()?.getFields()[root.name.value];
  if (field?.extensions.sharedResult !== true) return null;
  const used = new Set<string>();
  const collect = (node: ASTNode) => visit(node, { Variable: (variable) => void used.add(variable.name.value) });
  for (const node of [...(root.directives ?? []), ...(root.selectionSet ? [root.selectionSet] : [])]) collect(node);
  for (const definition of args.document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) collect(definition);
  return [...used].sort();
}

/** A document's text, printed once: the documents graphql-ws runs here are shared by every subscriber sending the same text. */
const printedDocuments = new WeakMap<DocumentNode, string>();
function printed(document: DocumentNode): string {
  let text = printedDocuments.get(document);
  if (text === undefined) printedDocuments.set(document, (text = print(document)));
  return text;
}

/** `source` with `map` applied to each value; return() ends the source at once (the feed lets its pubsub subscription go). */
function mapEvents<T, R>(source: AsyncIterable<T>, map: (value: T) => Promise<R>): AsyncIterableIterator<R> {
  const it = source[Symbol.asyncIterator]();
  const mapped: AsyncIterableIterator<R> = {
    async next() {
      const step = await it.next();
      return step.done ? { value: undefined, done: true } : { value: await map(step.value), done: false };
    },
    async return() {
      await it.return?.();
      return { value: undefined, done: true };
    },
    async throw(err: unknown) {
      await it.return?.();
      throw err;
    },
    [Symbol.asyncIterator]: () => mapped,
  };
  return mapped;
}
