// What the bytes mean, without sockets: every message encodes and decodes back to itself,
// hostile frames become clear errors, names never leave the folder, digests print as the
// *sum tools print them, and a connection (common's SocketReader underneath) splits frames
// from file bytes exactly.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { FrameError, ShortReadError, SocketReader } from '@socket-lab/common';
import { describe, expect, test } from 'vitest';
import { Connection } from '../src/connection.js';
import { createHasher, sumLine } from '../src/digest.js';
import { MAX_NAME_BYTES, pathInside, sanitizeName } from '../src/names.js';
import {
  checkPreamble,
  checkStart,
  decodeMessage,
  encodeMessage,
  encodePreamble,
  MAX_CONTROL_FRAME_BYTES,
  type Message,
  ProtocolError,
} from '../src/protocol.js';

/** The payload of an encoded frame (what the reader hands to decodeMessage). */
function payload(frame: Buffer): Buffer {
  expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
  return frame.subarray(4);
}

describe('messages', () => {
  const digest = Buffer.alloc(32, 0xab);
  const messages: Message[] = [
    { type: 'offer', hash: 'blake3', size: 5, name: 'a.txt' },
    { type: 'offer', hash: 'sha256', size: Number.MAX_SAFE_INTEGER, name: 'ünïcødé 文件.bin' },
    { type: 'offer', hash: 'none', size: 0, name: '' },
    { type: 'accept', offset: 0, prefixDigest: Buffer.alloc(0) },
    { type: 'accept', offset: 1234567, prefixDigest: digest },
    { type: 'start', offset: 42 },
    { type: 'done', digest },
    { type: 'done', digest: Buffer.alloc(0) },
    { type: 'result', code: 'saved', text: 'a.txt' },
    { type: 'result', code: 'disk-error', text: 'cannot write a.txt: file too large (EFBIG)' },
    { type: 'error', text: 'expected offer, got done' },
  ];
  for (const msg of messages) {
    // Each message survives the trip: encode, then decode the frame's payload.
    test(`${msg.type} round-trips (${JSON.stringify(msg).slice(0, 60)})`, () => {
      expect(decodeMessage(payload(encodeMessage(msg)))).toEqual(msg);
    });
  }

  // The byte diagram in protocol.ts and the README is what the code sends.
  test('an offer is laid out as the diagram shows', () => {
    const frame = encodeMessage({ type: 'offer', hash: 'blake3', size: 5, name: 'a.txt' });
    expect(frame.toString('hex')).toBe(
      '0000000f' + '4f' + '01' + '0000000000000005' + '612e747874',
    );
  });

  // The preamble is the magic and the version, and each kind of stranger gets its own hint.
  test('preambles: ours passes, the seed, a stranger and another version are named', () => {
    expect(encodePreamble().toString('hex')).toBe('534c465401');
    expect(() => checkPreamble(encodePreamble())).not.toThrow();
    expect(() => checkPreamble(Buffer.from('succe'))).toThrow(/seed protocol: try --protocol seed/);
    expect(() => checkPreamble(Buffer.from('impor'))).toThrow(/not a file-transfer peer/);
    expect(() => checkPreamble(encodePreamble(9))).toThrow(/unsupported protocol version 9/);
    // A stranger's bytes are shown escaped, never raw: 0x9b is a terminal's CSI.
    expect(() => checkPreamble(Buffer.from([0x9b, 0x32, 0x4a, 0x0a, 0x41]))).toThrow(
      'expected "SLFT", got "\\x9b2J\\nA"',
    );
  });

  // A START may resume at what was offered, or start over at 0; anything else names the choices.
  test('START: the offset offered or 0, and a plain reason otherwise', () => {
    expect(() => checkStart(0, 0, 'a.txt')).not.toThrow();
    expect(() => checkStart(1024, 1024, 'a.txt')).not.toThrow();
    expect(() => checkStart(0, 1024, 'a.txt')).not.toThrow();
    expect(() => checkStart(5, 0, 'a.txt')).toThrow(
      'START at 5, but nothing of a.txt is held here: a transfer starts at 0',
    );
    expect(() => checkStart(5, 1024, 'a.txt')).toThrow(
      'START at 5, but the receiver offered 1024 (to resume) or 0 (to start over)',
    );
  });
});

describe('hostile frames', () => {
  const frame = (...bytes: (number | Buffer)[]) =>
    Buffer.concat(bytes.map((b) => (typeof b === 'number' ? Buffer.from([b]) : b)));
  const u64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(n);
    return b;
  };
  const cases: [string, Buffer, RegExp][] = [
    ['an empty frame', Buffer.alloc(0), /empty frame/],
    ['an unknown type', frame(0x5a), /unknown message type 0x5a/],
    ['a short offer', frame(0x4f, 1, 0, 0), /too short/],
    ['an unknown hash', frame(0x4f, 9, u64(1n), Buffer.from('x')), /unknown hash id 9/],
    ['a size past 2^53', frame(0x4f, 1, u64(1n << 60n), Buffer.from('x')), /too large/],
    ['a negative size', frame(0x4f, 1, u64(2n ** 64n - 1n), Buffer.from('x')), /negative/],
    ['a name of 1025 bytes', frame(0x4f, 1, u64(1n), Buffer.alloc(1025, 0x61)), /name of 1025/],
    ['a digest of 7 bytes', frame(0x44, Buffer.alloc(7)), /digest of 7 bytes/],
    ['an unknown result', frame(0x52, 99), /unknown result code 99/],
    ['a start of 3 bytes', frame(0x53, 0, 0, 0), /start of 3 bytes/],
  ];
  for (const [what, bytes, message] of cases) {
    // Whatever the peer sends, decoding ends in a ProtocolError that says what was wrong.
    test(`${what} is a clear ProtocolError`, () => {
      expect(() => decodeMessage(bytes)).toThrow(ProtocolError);
      expect(() => decodeMessage(bytes)).toThrow(message);
    });
  }

  // We never build a frame the other side would refuse.
  test('an offer with an oversized name cannot be encoded', () => {
    expect(() =>
      encodeMessage({ type: 'offer', hash: 'none', size: 1, name: 'x'.repeat(2000) }),
    ).toThrow(/2000 bytes/);
  });
});

describe('names', () => {
  const reduced: [string, string][] = [
    ['../x', 'x'],
    ['/etc/x', 'x'],
    ['..\\x', 'x'],
    ['C:\\x', 'x'],
    ['C:x', 'x'],
    ['a/../../x', 'x'],
    ['dir/sub/report.pdf', 'report.pdf'],
    ['a\u0000b', 'a_b'],
    ['bell\u0007\u001b[31mred', 'bell__[31mred'],
    ['new\nline\r', 'new_line_'],
    ['\u009bcsi', '_csi'],
    ['.bashrc', '.bashrc'],
    ['a..b', 'a..b'],
    ['名前.txt', '名前.txt'],
    // Characters that would lie in a listing: a bidi override, zero-width ones, slashes that
    // are not slashes.
    ['\u202etxt.exe', '_txt.exe'],
    ['iso\u2066late\u2069', 'iso_late_'],
    ['zero\u200bwidth\ufeff', 'zero_width_'],
    ['a\uff0fb', 'a_b'],
    ['a\u2215b\u2044c\uff3cd', 'a_b_c_d'],
  ];
  for (const [sent, kept] of reduced) {
    // Only a plain base name survives, inside the folder.
    test(`${JSON.stringify(sent)} is saved as ${JSON.stringify(kept)}`, () => {
      const got = sanitizeName(sent);
      expect(got).toEqual({ ok: true, name: kept, changed: kept !== sent });
      expect(pathInside('/srv/in', kept)).toBe(`/srv/in/${kept}`);
    });
  }
  const refused: [string, string, RegExp][] = [
    ['empty', '', /no usable file name/],
    ['.', '.', /no usable file name/],
    ['..', '..', /no usable file name/],
    ['a path ending in /', 'dir/', /no usable file name/],
    ['a path ending in /..', 'a/..', /no usable file name/],
    ['a bare drive', 'C:', /no usable file name/],
    ['300 bytes', 'n'.repeat(300), /300 bytes long/],
    ['a partial file name', '.x.partial', /reserved for partial files/],
  ];
  for (const [what, sent, reason] of refused) {
    // Nothing safe is left of these: refused, with the reason.
    test(`${what} is refused`, () => {
      const got = sanitizeName(sent);
      expect(got.ok).toBe(false);
      if (!got.ok) expect(got.reason).toMatch(reason);
    });
  }

  // The longest name allowed still fits, with the partial file's `.` and `.partial`.
  test(`${MAX_NAME_BYTES} bytes is the longest name`, () => {
    expect(sanitizeName('é'.repeat(MAX_NAME_BYTES / 2)).ok).toBe(true);
    expect(sanitizeName(`${'é'.repeat(MAX_NAME_BYTES / 2)}x`).ok).toBe(false);
  });

  // The last line of defence: a name that is not plain throws instead of escaping.
  test('pathInside refuses anything but a plain name', () => {
    expect(() => pathInside('/srv/in', '../x')).toThrow(/not a plain name/);
    expect(() => pathInside('/srv/in', 'a/b')).toThrow(/not a plain name/);
  });
});

describe('digests', () => {
  // Known answers: the empty input, as `sha256sum` and `b3sum` print them.
  test('digests of nothing match the published values', () => {
    expect(createHasher('sha256').digest().toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(createHasher('blake3').digest().toString('hex')).toBe(
      'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262',
    );
    expect(createHasher('none').digest().length).toBe(0);
  });

  // digest() can be asked for a prefix and again after more bytes (resume needs both).
  test('a digest of a prefix does not end the hash', () => {
    for (const name of ['blake3', 'sha256'] as const) {
      const h = createHasher(name);
      h.update(Buffer.from('hello '));
      const prefix = h.digest();
      h.update(Buffer.from('world'));
      const whole = createHasher(name);
      whole.update(Buffer.from('hello world'));
      const start = createHasher(name);
      start.update(Buffer.from('hello '));
      expect(prefix.equals(start.digest())).toBe(true);
      expect(h.digest().equals(whole.digest())).toBe(true);
    }
  });

  // Lines as the tools print them, escapes included (checked by hand against coreutils 9.1
  // sha256sum and b3sum 1.2.0).
  test('sum lines are in the format of sha256sum and b3sum', () => {
    const d = Buffer.alloc(32, 0x11);
    const hex = d.toString('hex');
    expect(sumLine('sha256', d, 'dir/a.txt')).toBe(`${hex}  dir/a.txt`);
    expect(sumLine('blake3', d, 'a\\b')).toBe(`\\${hex}  a\\\\b`);
    expect(sumLine('sha256', d, 'n\nl')).toBe(`\\${hex}  n\\nl`);
    expect(sumLine('sha256', d, 'c\rr')).toBe(`\\${hex}  c\\rr`);
    expect(sumLine('blake3', d, 'c\rr')).toBe(`${hex}  c\rr`);
  });
});

describe('the connection and its reader', () => {
  /** A connected pair on 127.0.0.1: `peer` writes, `reader` reads our side (`ours`). */
  async function pair() {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const peer = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    const [ours] = (await once(server, 'connection')) as [net.Socket];
    server.close();
    return { peer, ours, reader: new SocketReader(ours) };
  }

  // One write holding a frame, file bytes and the next frame comes apart exactly: the
  // frame, then precisely the file's bytes, then the next frame.
  test('splits frames from raw bytes inside one chunk', async () => {
    const { peer, ours } = await pair();
    const conn = new Connection(ours, 'peer');
    const start = encodeMessage({ type: 'start', offset: 0 });
    const done = encodeMessage({ type: 'done', digest: Buffer.alloc(0) });
    peer.end(Buffer.concat([start, Buffer.from('FILEBYTES'), done]));
    expect(await conn.read('start')).toEqual({ type: 'start', offset: 0 });
    const body: Buffer[] = [];
    for await (const piece of conn.reader.readStream(9)) body.push(piece);
    expect(Buffer.concat(body).toString()).toBe('FILEBYTES');
    expect((await conn.read('done')).type).toBe('done');
    expect(await conn.next()).toBeNull(); // a clean end
    ours.destroy();
  });

  // A header cut short, a header that claims too much, and file bytes cut short are
  // each a distinct, clear error.
  test('truncated and oversized frames, and short file bytes, are errors', async () => {
    let p = await pair();
    p.peer.end(Buffer.from([0, 0]));
    await expect(p.reader.readFrame(MAX_CONTROL_FRAME_BYTES)).rejects.toThrow(
      /mid-header: got 2 of 4/,
    );
    p.ours.destroy();

    p = await pair();
    p.peer.end(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    const err = await p.reader.readFrame(MAX_CONTROL_FRAME_BYTES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameError);
    expect((err as FrameError).code).toBe('FRAME_TOO_LARGE');
    p.ours.destroy();

    p = await pair();
    p.peer.end(Buffer.from('abc'));
    const pieces = p.reader.readStream(10);
    expect((await pieces.next()).value?.toString()).toBe('abc');
    await expect(pieces.next()).rejects.toBeInstanceOf(ShortReadError);
    p.ours.destroy();
  });

  // recv() models Python's recv(1024): what has arrived, across chunks, at most 1024 bytes.
  test('recv takes what has arrived, up to its limit', async () => {
    const { peer, ours, reader } = await pair();
    peer.end(Buffer.alloc(2000, 0x61));
    const sizes: number[] = [];
    for (let got = await reader.recv(1024); got; got = await reader.recv(1024)) {
      sizes.push(got.length);
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1024);
    ours.destroy();
  });
});
