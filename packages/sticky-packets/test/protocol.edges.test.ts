// The framings and the line decoder at their edges: the `length` framing's limit, the
// default line limit (16 MiB, with nothing under it refused), a limit counted across reads
// and with the `\r` of a CRLF, a CRLF cut between reads, empty lines, a line that is only
// `\r`, and what the decoder holds and says after a refusal.
import { FrameError } from '@socket-lab/common';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { encodeMessage, FRAMINGS, LineDecoder } from '../src/protocol.js';

const lines = (d: LineDecoder, text: string) => d.push(Buffer.from(text)).map(String);

test('the three framings, and none of them changes the message it is given', () => {
  expect(FRAMINGS).toEqual(['none', 'length', 'line']);
  const payload = Buffer.from('a\r');
  expect(encodeMessage('none', payload)).toBe(payload);
  expect(encodeMessage('line', payload).toString('hex')).toBe('610d0a');
  expect(encodeMessage('line', Buffer.alloc(0)).toString('hex')).toBe('0a');
  expect(payload.toString('hex')).toBe('610d');
  expect(() => encodeMessage('line', Buffer.from('\n'))).toThrow(
    'with --framing line a message cannot contain a newline',
  );
});

test('the length framing refuses a message over its limit, and takes one at it', () => {
  expect(encodeMessage('length', Buffer.alloc(10), 10).readUInt32BE(0)).toBe(10);
  expect(() => encodeMessage('length', Buffer.alloc(11), 10)).toThrow(FrameError);
  // Newlines mean nothing to it.
  expect(encodeMessage('length', Buffer.from('\n')).toString('hex')).toBe('000000010a');
});

test('the default line limit is 16 MiB: a line of that size passes, one byte more does not', () => {
  const decoder = new LineDecoder();
  expect(decoder.maxLineBytes).toBe(16 * 1024 * 1024);
  const big = Buffer.alloc(16 * 1024 * 1024, 0x61);
  expect(decoder.push(big)).toEqual([]);
  expect(decoder.error).toBeUndefined();
  expect(decoder.bufferedBytes).toBe(big.length);
  expect(decoder.push(Buffer.from('\n')).map((l) => l.length)).toEqual([big.length]);
  expect(decoder.push(Buffer.concat([big, Buffer.from('b')]))).toEqual([]);
  expect(decoder.error?.code).toBe('FRAME_TOO_LARGE');
});

test('the limit counts the bytes of one line across reads, the \\r of a CRLF included', () => {
  const decoder = new LineDecoder(4);
  expect(lines(decoder, 'ab')).toEqual([]);
  expect(lines(decoder, 'cd\n')).toEqual(['abcd']); // 4 bytes across two reads: allowed
  expect(lines(decoder, 'ab')).toEqual([]);
  expect(lines(decoder, 'cde\n')).toEqual([]); // 5: refused, though the newline came with it
  expect(decoder.error?.message).toBe('line longer than the 4-byte limit (no newline within it)');

  const crlf = new LineDecoder(4);
  expect(lines(crlf, 'abc\r\n')).toEqual(['abc']);
  expect(lines(crlf, 'abcd\r\n')).toEqual([]);
  expect(crlf.error?.code).toBe('FRAME_TOO_LARGE');

  const whole = new LineDecoder(4);
  expect(lines(whole, 'abcd\nabcd\nabcd')).toEqual(['abcd', 'abcd']);
  expect(whole.bufferedBytes).toBe(4);
  expect(lines(whole, 'e')).toEqual([]);
  expect(whole.error?.code).toBe('FRAME_TOO_LARGE');
  expect(whole.bufferedBytes).toBe(0);
});

test('a CRLF cut between reads still ends the line without its \\r', () => {
  const decoder = new LineDecoder();
  expect(lines(decoder, 'one\r')).toEqual([]);
  expect(lines(decoder, '\ntwo\r')).toEqual(['one']);
  expect(lines(decoder, '\n')).toEqual(['two']);
  expect(decoder.bufferedBytes).toBe(0);
  decoder.end();
});

test('empty lines and a line that is only \\r are empty messages', () => {
  const decoder = new LineDecoder();
  expect(lines(decoder, '\n\r\n\n')).toEqual(['', '', '']);
  expect(lines(decoder, '\r')).toEqual([]);
  expect(decoder.bufferedBytes).toBe(1);
  expect(lines(decoder, '\n')).toEqual(['']);
  decoder.end();
});

test('only one \\r is dropped, and only just before the \\n', () => {
  const decoder = new LineDecoder();
  expect(lines(decoder, 'a\r\r\n\rb\n')).toEqual(['a\r', '\rb']);
});

test('held bytes are counted exactly while a line is open, and none after it ends', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 8 }), (pieces) => {
      const decoder = new LineDecoder();
      let held = 0;
      for (const piece of pieces.map((p) => p.replaceAll('\n', ''))) {
        decoder.push(Buffer.from(piece));
        held += Buffer.byteLength(piece);
        expect(decoder.bufferedBytes).toBe(held);
      }
      decoder.push(Buffer.from('\n'));
      expect(decoder.bufferedBytes).toBe(0);
    }),
  );
});

test('the end of a stream: clean after a newline, an error after a partial line', () => {
  const clean = new LineDecoder();
  clean.end();
  lines(clean, 'a\n');
  expect(() => clean.end()).not.toThrow();
  const cut = new LineDecoder();
  lines(cut, 'a\nbc');
  expect(() => cut.end()).toThrow(
    expect.objectContaining({
      code: 'FRAME_TRUNCATED',
      message: 'stream ended mid-line: 2 bytes after the last newline',
    }),
  );
});

test('after a refusal nothing more comes out: push and end throw the same error', () => {
  const decoder = new LineDecoder(2);
  expect(lines(decoder, 'ok\nabc\nok\n')).toEqual(['ok']);
  const error = decoder.error;
  expect(error).toBeInstanceOf(FrameError);
  expect(decoder.bufferedBytes).toBe(0);
  expect(() => decoder.push(Buffer.from('x\n'))).toThrow(error);
  expect(() => decoder.end()).toThrow(error);
  expect(decoder.error).toBe(error);
});
