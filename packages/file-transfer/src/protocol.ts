// What the bytes mean: file-transfer's wire protocol, version 1, as pure functions (no
// sockets here). The seed's protocol has no edges: a recv() of `quit` means "done", so a file
// whose last line is `quit` ends early, and it cannot say how big a file is or whether it
// arrived intact. This one says everything in advance, in frames, and never looks inside the
// file's bytes.
//
// 1. Each side opens with a 5-byte preamble, so a stranger is spotted at once:
//      53 4c 46 54  01
//      └─ "SLFT" ─┘ version
// 2. Every control message is a frame (common's 4-byte big-endian length), whose first byte,
//    an ASCII letter so that hex dumps read, says what it is:
//      00 00 00 0f  4f  01  00 00 00 00 00 00 00 05  61 2e 74 78 74
//      └ length ──┘ 'O' hash └──── size (u64) ─────┘ └─ "a.txt" ──┘
// 3. The file's bytes follow START unframed, exactly `size - offset` of them: the size was
//    agreed first, so no byte of the file can ever be mistaken for a command.
import { encodeFrame, previewBytes } from '@socket-lab/common';

export const MAGIC = Buffer.from('SLFT', 'latin1');
export const VERSION = 1;
export const PREAMBLE_BYTES = MAGIC.length + 1;

/**
 * 4 KiB: control messages are a name and a few numbers. A header claiming more is refused
 * before anything is allocated. (File bytes are not frames, so this limits nothing else.)
 */
export const MAX_CONTROL_FRAME_BYTES = 4096;

/** 1 KiB: the longest name an offer may carry. Real names fit in 255 bytes (Linux NAME_MAX). */
export const MAX_WIRE_NAME_BYTES = 1024;

/** The digests a sender can choose. `none` checks the size only (for the benchmark). */
export type HashName = 'blake3' | 'sha256' | 'none';
export const HASH_NAMES: readonly HashName[] = ['blake3', 'sha256', 'none'];
const HASH_IDS: Record<HashName, number> = { none: 0, blake3: 1, sha256: 2 };

/** Both digests are 32 bytes; `none` sends an empty one. */
export const DIGEST_BYTES: Record<HashName, number> = { blake3: 32, sha256: 32, none: 0 };

/** What a RESULT says: saved, or why not. The byte on the wire is the index. */
export const RESULT_CODES = [
  'saved',
  'exists',
  'too-large',
  'bad-name',
  'busy',
  'bad-digest',
  'disk-error',
] as const;
export type ResultCode = (typeof RESULT_CODES)[number];

/** Every control message, in the order a transfer uses them. */
export type Message =
  /** sender: "here comes `name`, `size` bytes, checked with `hash`" */
  | { type: 'offer'; hash: HashName; size: number; name: string }
  /** receiver: "go ahead; I already hold `offset` bytes, whose digest is `prefixDigest`" */
  | { type: 'accept'; offset: number; prefixDigest: Buffer }
  /** sender: "my bytes start at `offset`" (the receiver's offset if the prefixes match, else 0) */
  | { type: 'start'; offset: number }
  /** sender: "that was all; the digest of the whole file is `digest`" */
  | { type: 'done'; digest: Buffer }
  /** receiver: the fate of the file (`text` is the saved name, or the reason) */
  | { type: 'result'; code: ResultCode; text: string }
  /** either side: a protocol error; the connection closes after it */
  | { type: 'error'; text: string };

const TYPE_BYTES = {
  offer: 0x4f, // 'O'
  accept: 0x41, // 'A'
  start: 0x53, // 'S'
  done: 0x44, // 'D'
  result: 0x52, // 'R'
  error: 0x45, // 'E'
} as const;

/** Bytes that break the protocol: the message says what was wrong, for a log line. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** The preamble each side sends first. */
export function encodePreamble(version = VERSION): Buffer {
  return Buffer.concat([MAGIC, Buffer.from([version])]);
}

/**
 * Checks a peer's 5-byte preamble. Throws a ProtocolError that names the likely cause:
 * the seed's protocol (its receiver answers `success` to anything), or another version.
 */
export function checkPreamble(bytes: Buffer): void {
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    // A preview, not the raw bytes: a stranger's first bytes may be a terminal escape.
    const seen = `"${previewBytes(bytes)}"`;
    const hint = 'success'.startsWith(bytes.toString('latin1'))
      ? 'the peer answers like the seed protocol: try --protocol seed'
      : 'not a file-transfer peer (the seed protocol? try --protocol seed)';
    throw new ProtocolError(`expected "SLFT", got ${seen}: ${hint}`);
  }
  const version = bytes[MAGIC.length];
  if (version !== VERSION) {
    throw new ProtocolError(
      `unsupported protocol version ${version} (this side speaks ${VERSION})`,
    );
  }
}

/**
 * Checks the START that answers an ACCEPT of `held` bytes of `name`: the sender may resume at
 * `held` or start over at 0, nothing else. Throws a ProtocolError that says what was offered.
 */
export function checkStart(offset: number, held: number, name: string): void {
  if (offset === held || offset === 0) return;
  const offered =
    held > 0
      ? `the receiver offered ${held} (to resume) or 0 (to start over)`
      : `nothing of ${name} is held here: a transfer starts at 0`;
  throw new ProtocolError(`START at ${offset}, but ${offered}`);
}

/** One message as a whole frame (length header included), ready for `socket.write()`. */
export function encodeMessage(msg: Message): Buffer {
  let body: Buffer;
  switch (msg.type) {
    case 'offer': {
      const name = Buffer.from(msg.name, 'utf8');
      if (name.length > MAX_WIRE_NAME_BYTES) {
        throw new ProtocolError(`name is ${name.length} bytes, more than ${MAX_WIRE_NAME_BYTES}`);
      }
      body = Buffer.concat([Buffer.from([HASH_IDS[msg.hash]]), u64(msg.size), name]);
      break;
    }
    case 'accept':
      body = Buffer.concat([u64(msg.offset), msg.prefixDigest]);
      break;
    case 'start':
      body = u64(msg.offset);
      break;
    case 'done':
      body = msg.digest;
      break;
    case 'result':
      body = Buffer.concat([Buffer.from([RESULT_CODES.indexOf(msg.code)]), text(msg.text)]);
      break;
    case 'error':
      body = text(msg.text);
      break;
  }
  return encodeFrame(
    Buffer.concat([Buffer.from([TYPE_BYTES[msg.type]]), body]),
    MAX_CONTROL_FRAME_BYTES,
  );
}

/** The message in one frame's payload. Throws ProtocolError on anything malformed. */
export function decodeMessage(payload: Buffer): Message {
  if (payload.length === 0) throw new ProtocolError('empty frame');
  const body = payload.subarray(1);
  switch (payload[0]) {
    case TYPE_BYTES.offer: {
      if (body.length < 9) throw new ProtocolError(`offer of ${body.length} bytes is too short`);
      const hash = HASH_NAMES.find((h) => HASH_IDS[h] === body[0]);
      if (!hash) throw new ProtocolError(`unknown hash id ${body[0]}`);
      const name = body.subarray(9);
      if (name.length > MAX_WIRE_NAME_BYTES) {
        throw new ProtocolError(`name of ${name.length} bytes (at most ${MAX_WIRE_NAME_BYTES})`);
      }
      return { type: 'offer', hash, size: readU64(body, 1, 'size'), name: name.toString('utf8') };
    }
    case TYPE_BYTES.accept:
      if (body.length !== 8 && body.length !== 8 + 32) {
        throw new ProtocolError(`accept of ${body.length} bytes`);
      }
      return {
        type: 'accept',
        offset: readU64(body, 0, 'offset'),
        prefixDigest: Buffer.from(body.subarray(8)),
      };
    case TYPE_BYTES.start:
      if (body.length !== 8) throw new ProtocolError(`start of ${body.length} bytes`);
      return { type: 'start', offset: readU64(body, 0, 'offset') };
    case TYPE_BYTES.done:
      if (body.length !== 0 && body.length !== 32) {
        throw new ProtocolError(`digest of ${body.length} bytes`);
      }
      return { type: 'done', digest: Buffer.from(body) };
    case TYPE_BYTES.result: {
      const code = RESULT_CODES[body[0] ?? -1];
      if (!code) throw new ProtocolError(`unknown result code ${body[0]}`);
      return { type: 'result', code, text: body.subarray(1).toString('utf8') };
    }
    case TYPE_BYTES.error:
      return { type: 'error', text: body.toString('utf8') };
    default:
      throw new ProtocolError(`unknown message type 0x${(payload[0] ?? 0).toString(16)}`);
  }
}

function u64(n: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

// Sizes travel as unsigned 64-bit numbers. JavaScript numbers are exact to 2^53 - 1 (8 PiB);
// anything above is refused, including a -1 that some sender wrote as 64 bits (ff…ff).
function readU64(buf: Buffer, offset: number, what: string): number {
  const n = buf.readBigUInt64BE(offset);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) {
    const note = n >= 1n << 63n ? ' (a negative number written as 64 bits?)' : '';
    throw new ProtocolError(`${what} ${n} is too large${note}`);
  }
  return Number(n);
}

// Reasons and names go in frames too: cut them so the frame stays under the limit.
function text(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return b.length <= 1000 ? b : Buffer.from(`${b.subarray(0, 990).toString('utf8')}…`, 'utf8');
}
