// The wire protocol at its edges, without sockets: every body length a message may and may
// not have (ACCEPT 8 or 40 bytes, START 8, DONE 0 or 32 as each hash gives, OFFER at least
// 9), an empty RESULT frame, the exact 1,024-byte name limit on both sides, the largest size
// a number can carry, how a long reason is cut to fit its frame, and the words of each
// refusal.
import { describe, expect, test } from 'vitest';
import { createHasher } from '../src/digest.js';
import {
  checkPreamble,
  checkStart,
  DIGEST_BYTES,
  decodeMessage,
  encodeMessage,
  encodePreamble,
  HASH_NAMES,
  MAX_CONTROL_FRAME_BYTES,
  MAX_WIRE_NAME_BYTES,
  type Message,
  PREAMBLE_BYTES,
  ProtocolError,
  RESULT_CODES,
} from '../src/protocol.js';

/** A frame's payload, after checking its 4-byte length header. */
function payload(frame: Buffer): Buffer {
  expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
  return frame.subarray(4);
}
const roundTrip = (msg: Message) => decodeMessage(payload(encodeMessage(msg)));
const bytes = (type: number, ...parts: Buffer[]) => Buffer.concat([Buffer.from([type]), ...parts]);
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};
/** The ProtocolError message decoding `frame` gives (fails the test if it decodes). */
function refusal(frame: Buffer): string {
  try {
    decodeMessage(frame);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).name).toBe('ProtocolError');
    return (err as Error).message;
  }
  throw new Error(`decoded: ${frame.toString('hex')}`);
}

const A = 0x41;
const D = 0x44;
const E = 0x45;
const O = 0x4f;
const R = 0x52;
const S = 0x53;

describe('body lengths', () => {
  test('ACCEPT carries an offset and no digest or a 32-byte one, nothing else', () => {
    expect(decodeMessage(bytes(A, u64(7n)))).toEqual({
      type: 'accept',
      offset: 7,
      prefixDigest: Buffer.alloc(0),
    });
    const digest = Buffer.alloc(32, 0xcd);
    expect(decodeMessage(bytes(A, u64(7n), digest))).toEqual({
      type: 'accept',
      offset: 7,
      prefixDigest: digest,
    });
    for (const length of [0, 7, 9, 39, 41, 72]) {
      expect(refusal(bytes(A, Buffer.alloc(length))), String(length)).toBe(
        `accept of ${length} bytes`,
      );
    }
  });

  test('the digest an ACCEPT or DONE hands back is a copy, not a view of the frame', () => {
    const frame = bytes(A, u64(1n), Buffer.alloc(32, 1));
    const accept = decodeMessage(frame);
    frame.fill(0);
    expect(accept).toMatchObject({ prefixDigest: Buffer.alloc(32, 1) });
    const done = bytes(D, Buffer.alloc(32, 2));
    const decoded = decodeMessage(done);
    done.fill(0);
    expect(decoded).toEqual({ type: 'done', digest: Buffer.alloc(32, 2) });
  });

  test('START is exactly 8 bytes; DONE is 0 or 32', () => {
    expect(decodeMessage(bytes(S, u64(0n)))).toEqual({ type: 'start', offset: 0 });
    for (const length of [0, 7, 9, 16]) {
      expect(refusal(bytes(S, Buffer.alloc(length)))).toBe(`start of ${length} bytes`);
    }
    for (const length of [1, 31, 33, 64]) {
      expect(refusal(bytes(D, Buffer.alloc(length)))).toBe(`digest of ${length} bytes`);
    }
  });

  test('an OFFER needs its hash and size (9 bytes); the name may be empty', () => {
    expect(decodeMessage(bytes(O, Buffer.from([0]), u64(3n)))).toEqual({
      type: 'offer',
      hash: 'none',
      size: 3,
      name: '',
    });
    for (const length of [0, 1, 8]) {
      expect(refusal(bytes(O, Buffer.alloc(length, 1)))).toBe(
        `offer of ${length} bytes is too short`,
      );
    }
    expect(refusal(bytes(O, Buffer.from([3]), u64(1n)))).toBe('unknown hash id 3');
    for (const [id, hash] of [
      [0, 'none'],
      [1, 'blake3'],
      [2, 'sha256'],
    ] as const) {
      expect(decodeMessage(bytes(O, Buffer.from([id]), u64(1n)))).toMatchObject({ hash });
    }
    expect(HASH_NAMES).toEqual(['blake3', 'sha256', 'none']);
  });
});

describe('digests', () => {
  test('each hash makes digests of the size the protocol gives it, and DONE carries them', () => {
    expect(DIGEST_BYTES).toEqual({ blake3: 32, sha256: 32, none: 0 });
    for (const hash of HASH_NAMES) {
      const digest = createHasher(hash).digest();
      expect(digest.length, hash).toBe(DIGEST_BYTES[hash]);
      expect(roundTrip({ type: 'done', digest })).toEqual({ type: 'done', digest });
    }
  });
});

describe('RESULT and ERROR', () => {
  test('an empty RESULT frame is refused: it has no code', () => {
    expect(refusal(Buffer.from([R]))).toMatch(/^unknown result code/);
  });

  test('each result code is its index on the wire, and comes back with its text', () => {
    RESULT_CODES.forEach((code, index) => {
      const frame = payload(encodeMessage({ type: 'result', code, text: 'why' }));
      expect(frame.toString('hex')).toBe(`52${index.toString(16).padStart(2, '0')}776879`);
      expect(decodeMessage(frame)).toEqual({ type: 'result', code, text: 'why' });
    });
    expect(refusal(Buffer.from([R, RESULT_CODES.length]))).toBe(
      `unknown result code ${RESULT_CODES.length}`,
    );
    expect(decodeMessage(Buffer.from([R, 0]))).toEqual({ type: 'result', code: 'saved', text: '' });
  });

  test('an ERROR frame may be empty; its text is UTF-8', () => {
    expect(decodeMessage(Buffer.from([E]))).toEqual({ type: 'error', text: '' });
    expect(roundTrip({ type: 'error', text: 'nom trop long: 名前' })).toEqual({
      type: 'error',
      text: 'nom trop long: 名前',
    });
  });

  test('an unknown type is named in hex', () => {
    expect(refusal(Buffer.from([0x00]))).toBe('unknown message type 0x0');
    expect(refusal(Buffer.from([0xff, 1, 2]))).toBe('unknown message type 0xff');
    expect(refusal(Buffer.from([0x6f]))).toBe('unknown message type 0x6f'); // 'o', not 'O'
    expect(refusal(Buffer.alloc(0))).toBe('empty frame');
  });
});

describe('reasons and names that are too long for a frame', () => {
  test('a text of up to 1,000 bytes goes as it is; a longer one is cut to 990 bytes and …', () => {
    for (const type of ['result', 'error'] as const) {
      const make = (text: string): Message =>
        type === 'result' ? { type, code: 'bad-name', text } : { type, text };
      const exact = 'r'.repeat(1000);
      expect(roundTrip(make(exact))).toEqual(make(exact));
      expect(roundTrip(make(`${exact}s`))).toEqual(make(`${'r'.repeat(990)}…`));
      const huge = 'x'.repeat(100_000);
      const frame = encodeMessage(make(huge));
      expect(frame.length).toBeLessThanOrEqual(4 + MAX_CONTROL_FRAME_BYTES);
      expect(roundTrip(make(huge))).toEqual(make(`${'x'.repeat(990)}…`));
    }
  });

  test('a cut text of whole characters keeps them whole', () => {
    // 3-byte characters: 990 bytes are exactly 330 of them.
    const text = '中'.repeat(400);
    expect(roundTrip({ type: 'error', text })).toEqual({
      type: 'error',
      text: `${'中'.repeat(330)}…`,
    });
  });

  // A cut that falls inside a character leaves a U+FFFD replacement character before the …
  // (the text is cut as bytes, then decoded). Found by this test; reported, not fixed here.
  test.fails('a cut that falls inside a character drops the whole character', () => {
    const text = `a${'中'.repeat(400)}`; // the 990th byte is the first of a character
    expect(roundTrip({ type: 'error', text })).toEqual({
      type: 'error',
      text: `a${'中'.repeat(329)}…`,
    });
  });

  test(`a name of exactly ${MAX_WIRE_NAME_BYTES} bytes is sent and read; one more is not`, () => {
    const name = 'n'.repeat(MAX_WIRE_NAME_BYTES);
    const offer: Message = { type: 'offer', hash: 'sha256', size: 1, name };
    expect(roundTrip(offer)).toEqual(offer);
    const wide = '名'.repeat(MAX_WIRE_NAME_BYTES / 4); // 768 bytes
    expect(roundTrip({ ...offer, name: wide })).toEqual({ ...offer, name: wide });

    expect(() => encodeMessage({ ...offer, name: `${name}x` })).toThrow(
      new ProtocolError(
        `name is ${MAX_WIRE_NAME_BYTES + 1} bytes, more than ${MAX_WIRE_NAME_BYTES}`,
      ),
    );
    const over = bytes(O, Buffer.from([2]), u64(1n), Buffer.alloc(MAX_WIRE_NAME_BYTES + 1, 0x6e));
    expect(refusal(over)).toBe(
      `name of ${MAX_WIRE_NAME_BYTES + 1} bytes (at most ${MAX_WIRE_NAME_BYTES})`,
    );
  });
});

describe('sizes and offsets', () => {
  test('2^53 - 1 is the largest size; above it is refused, with a hint past 2^63', () => {
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    const offer = (n: bigint) => bytes(O, Buffer.from([1]), u64(n), Buffer.from('x'));
    expect(decodeMessage(offer(max))).toMatchObject({ size: Number.MAX_SAFE_INTEGER });
    expect(refusal(offer(max + 1n))).toBe(`size ${max + 1n} is too large`);
    expect(refusal(offer((1n << 63n) - 1n))).toBe(`size ${(1n << 63n) - 1n} is too large`);
    expect(refusal(offer(1n << 63n))).toBe(
      `size ${1n << 63n} is too large (a negative number written as 64 bits?)`,
    );
    expect(refusal(bytes(A, u64(max + 1n)))).toBe(`offset ${max + 1n} is too large`);
    expect(refusal(bytes(S, u64(2n ** 64n - 1n)))).toBe(
      `offset ${2n ** 64n - 1n} is too large (a negative number written as 64 bits?)`,
    );
  });

  test('ACCEPT and START carry their offset as 8 big-endian bytes', () => {
    const accept = payload(
      encodeMessage({ type: 'accept', offset: 0x0102030405, prefixDigest: Buffer.alloc(0) }),
    );
    expect(accept.toString('hex')).toBe('410000000102030405');
    expect(payload(encodeMessage({ type: 'start', offset: 258 })).toString('hex')).toBe(
      '530000000000000102',
    );
    const done = payload(encodeMessage({ type: 'done', digest: Buffer.from('abcd', 'hex') }));
    expect(done.toString('hex')).toBe('44abcd');
    expect(payload(encodeMessage({ type: 'error', text: 'no' })).toString('hex')).toBe('456e6f');
  });
});

describe('preamble and START', () => {
  test('the preamble is 5 bytes; a short or empty one is refused', () => {
    expect(PREAMBLE_BYTES).toBe(5);
    expect(encodePreamble().length).toBe(PREAMBLE_BYTES);
    expect(() => checkPreamble(Buffer.from('SLFT'))).toThrow(
      new ProtocolError('unsupported protocol version undefined (this side speaks 1)'),
    );
    expect(() => checkPreamble(Buffer.from('SLFT\x00'))).toThrow(/unsupported protocol version 0/);
    expect(() => checkPreamble(Buffer.from('success'))).toThrow(
      'expected "SLFT", got "success": the peer answers like the seed protocol: try --protocol seed',
    );
    expect(() => checkPreamble(Buffer.from('xSLFT'))).toThrow(
      'expected "SLFT", got "xSLFT": not a file-transfer peer (the seed protocol? try --protocol seed)',
    );
    expect(() => checkPreamble(Buffer.from('succeed'))).toThrow(/not a file-transfer peer/);
  });

  test('START is refused with a ProtocolError when it is neither the offer nor 0', () => {
    expect(() => checkStart(1023, 1024, 'a')).toThrow(ProtocolError);
    expect(() => checkStart(1025, 1024, 'a')).toThrow(
      'START at 1025, but the receiver offered 1024 (to resume) or 0 (to start over)',
    );
    expect(() => checkStart(1, 0, 'b.bin')).toThrow(
      'START at 1, but nothing of b.bin is held here: a transfer starts at 0',
    );
  });
});
