// The bytes of each framing, and the line decoder: whole lines back however the stream is
// cut, CRLF tolerated, a line with no end refused once it passes the limit.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { encodeMessage, LineDecoder, SEED_MESSAGES } from '../src/protocol.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test("the seed's seven messages are 17, 1, 300, 1, 200, 1 and 2000 bytes", () => {
  expect(SEED_MESSAGES.map((m) => m.length)).toEqual([17, 1, 300, 1, 200, 1, 2000]);
  expect(SEED_MESSAGES[0]?.toString()).toBe('welcome to qytang');
});

test('each framing puts a message on the wire its own way', () => {
  const hello = Buffer.from('hello');
  expect(hex(encodeMessage('none', hello))).toBe('68656c6c6f');
  expect(hex(encodeMessage('length', hello))).toBe('0000000568656c6c6f'); // struct.pack('>I', 5)
  expect(hex(encodeMessage('line', hello))).toBe('68656c6c6f0a');
  expect(() => encodeMessage('line', Buffer.from('two\nlines'))).toThrow(RangeError);
});

test('any lines, cut anywhere, come back as the same lines', () => {
  const line = fc
    .uint8Array({ maxLength: 30 })
    .map((b) => Buffer.from(b.filter((x) => x !== 0x0a)))
    .filter((b) => b.at(-1) !== 0x0d); // a trailing \r would be taken for a CRLF ending
  fc.assert(
    fc.property(
      fc.array(line, { maxLength: 10 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (lines, cuts) => {
        const stream = Buffer.concat(lines.map((l) => encodeMessage('line', l)));
        const at = [...cuts.map((c) => c % (stream.length + 1)), stream.length].sort(
          (a, b) => a - b,
        );
        const decoder = new LineDecoder(30);
        const got: string[] = [];
        let from = 0;
        for (const to of at) {
          got.push(...decoder.push(Buffer.from(stream.subarray(from, to))).map(hex));
          from = to;
        }
        decoder.end();
        expect(got).toEqual(lines.map(hex));
        expect(decoder.bufferedBytes).toBe(0);
      },
    ),
    { numRuns: 300 },
  );
});

test('a \\r before the \\n is dropped (telnet sends CRLF); a lone \\r is kept', () => {
  const decoder = new LineDecoder();
  expect(decoder.push(Buffer.from('a\r\nb\rc\n')).map(String)).toEqual(['a', 'b\rc']);
});

test('a line past the limit is refused as soon as that many bytes came without a newline', () => {
  // The lines before it still come out, with `error` set for the caller to hang up; every
  // later push() throws it.
  const decoder = new LineDecoder(10);
  expect(decoder.push(Buffer.from('ok\n0123456')).map(String)).toEqual(['ok']);
  expect(decoder.error).toBeUndefined();
  expect(decoder.bufferedBytes).toBe(7);
  expect(decoder.push(Buffer.from('789'))).toEqual([]); // 10 bytes: still allowed
  expect(decoder.push(Buffer.from('A'))).toEqual([]); // 11: refused, and said in `error`
  expect(decoder.error?.message).toBe('line longer than the 10-byte limit (no newline within it)');
  expect(decoder.bufferedBytes).toBe(0); // nothing kept for it
  expect(() => decoder.push(Buffer.from('\n'))).toThrow(decoder.error); // and it stays refused

  const early = new LineDecoder(3);
  expect(early.push(Buffer.from('abc\nabcdef\n')).map(String)).toEqual(['abc']);
  expect(early.error?.code).toBe('FRAME_TOO_LARGE');
  expect(() => early.end()).toThrow(early.error);
});

test('a stream that ends mid-line is reported; a delimiter cannot say how much is missing', () => {
  const decoder = new LineDecoder();
  decoder.push(Buffer.from('whole\nhalf'));
  expect(() => decoder.end()).toThrow('stream ended mid-line: 4 bytes after the last newline');
});
