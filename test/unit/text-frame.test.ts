import type { EventEmitter } from 'node:events';
import ws from 'ws';
import { textFrame } from '../../src/server/shared-subscriptions';

/** ws's frame parser, exported by the package but not by its types. */
const { Receiver } = ws as unknown as { Receiver: new (options: { isServer: boolean; maxPayload: number }) => EventEmitter & { write(chunk: Buffer): void } };

/** What a WebSocket client's own parser reads from `frame`: its messages, text or binary. */
function read(frame: Buffer): { text: string; binary: boolean }[] {
  const receiver = new Receiver({ isServer: false, maxPayload: 0 });
  const messages: { text: string; binary: boolean }[] = [];
  const errors: Error[] = [];
  receiver.on('message', (data: Buffer, binary: boolean) => messages.push({ text: data.toString('utf8'), binary }));
  receiver.on('error', (err: Error) => errors.push(err));
  receiver.write(frame);
  expect(errors).toEqual([]);
  return messages;
}

describe('textFrame', () => {
  // Each boundary of the three length encodings (7 bits, 16 bits, 64 bits).
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000])('frames %i bytes as one text message', (length) => {
    const body = 'a'.repeat(length);
    const frame = textFrame(Buffer.from(body.slice(0, length >> 1)), Buffer.from(body.slice(length >> 1)));
    expect(read(frame)).toEqual([{ text: body, binary: false }]);
    expect(frame.length).toBe(length + (length < 126 ? 2 : length < 65_536 ? 4 : 10));
  });

  it('counts bytes, not characters, and frames parts in their order', () => {
    const parts = ['{"id":"naïve-✓","type":"next","payload":', '{"data":{"x":"€"}}', '}'];
    const [message] = read(textFrame(...parts.map((part) => Buffer.from(part))));
    expect(message).toEqual({ text: parts.join(''), binary: false });
    expect(JSON.parse(message.text)).toEqual({ id: 'naïve-✓', type: 'next', payload: { data: { x: '€' } } });
  });

  it('leaves frames apart: two in a row are two messages', () => {
    const frames = Buffer.concat([textFrame(Buffer.from('first')), textFrame(Buffer.from('x'.repeat(300)))]);
    expect(read(frames).map((m) => m.text)).toEqual(['first', 'x'.repeat(300)]);
  });
});
