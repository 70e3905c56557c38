// A UDP time server (seed 002): each datagram is a Python `time.strftime` format, and the
// answer is the time now in that format; an empty datagram means `%Y-%m-%d %X`. One socket
// serves everyone, one datagram at a time, with no connection and no state per client.
//
// The seed's server had three ways to fail: a format that is not UTF-8 or holds a NUL
// raised an exception and stopped it, and it answered whatever size the format asked for.
// A UDP server must not answer a small request with a large reply: the source address of
// a datagram is easy to forge, so an attacker could send us tiny requests "from" a victim
// and let us flood the victim (an amplification attack, the way DNS and NTP servers were
// abused). So formats and answers are bounded, and every error answer is short.
//
// This file is the lesson. Formatting the time the way Python does is support code in
// ./time-format/ (a strftime table, time zones, the tz database file): it is called once
// below, in answerTime, and can be read later or not at all.
// Run: pnpm --filter udp-time start      Poke: echo -n '%H:%M' | nc -u -w1 127.0.0.1 9000
import type dgram from 'node:dgram';
import { formatHostPort, previewBytes } from '@socket-lab/common';
import { AnswerCache } from './answer-cache.js';
import { DEFAULT_FORMAT, errorAnswer } from './protocol.js';
import { FormatError, strftime, type TimeFields } from './time-format/strftime.js';

/** The longest format we read. Real formats are a few dozen bytes. */
export const MAX_FORMAT_BYTES = 256;
/** The longest answer we send: it fits the seed client's recv(1024). */
export const MAX_ANSWER_BYTES = 1024;

export interface TimeServerOptions {
  /** The time to format; a test passes a fixed one. */
  now: () => TimeFields;
  /** Where each datagram's log line goes; `null` logs nothing. */
  log?: ((line: string) => void) | null;
}

/** Makes a bound UDP socket a time server. The socket stays the caller's to close. */
export function serveTime(socket: dgram.Socket, opts: TimeServerOptions): void {
  const log = opts.log === undefined ? console.log : opts.log;
  // Without a listener an 'error' is thrown, and one bad moment would stop the server.
  socket.on('error', (err) => log?.(`socket error: ${err.message}`));

  // Within one second the answer to a format cannot change, so support code keeps each
  // format's answer until the second is over (./answer-cache.ts says why it is worth it).
  const answers = new AnswerCache((request, fields) =>
    Buffer.from(answerTime(request, () => fields).text),
  );

  // recvfrom(): the question and who asked. Nothing about the client is kept.
  socket.on('message', (request, rinfo) => {
    const bytes = answers.get(request, opts.now);
    if (log) {
      const asked =
        request.length === 0 ? '(empty: the default format)' : `"${previewBytes(request, 40)}"`;
      const from = formatHostPort(rinfo.address, rinfo.port);
      log(`${from} asked ${asked} → "${previewBytes(bytes, 60)}"`);
    }
    // sendto() the address the question came from; a failure comes back as 'error'.
    socket.send(bytes, rinfo.port, rinfo.address);
  });
}

/** The answer to one datagram: the formatted time, or a short `error: …` line. */
export interface TimeAnswer {
  text: string;
  ok: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * What to answer to `request` (the bytes of one datagram), given the time `now`. The rules
 * in the order they apply: length, UTF-8, NUL, the format itself, the answer's length.
 * Every refusal is a short answer, never an exception.
 */
export function answerTime(request: Uint8Array, now: () => TimeFields): TimeAnswer {
  const error = (why: string) => ({ text: errorAnswer(why), ok: false });
  if (request.length > MAX_FORMAT_BYTES) {
    return error(`format too long (${request.length} bytes, at most ${MAX_FORMAT_BYTES})`);
  }
  let format: string;
  try {
    format = utf8.decode(request);
  } catch {
    return error('format is not valid UTF-8');
  }
  // C strings end at NUL, so Python refuses it ("embedded null character").
  if (format.includes('\0')) return error('format contains a NUL byte');
  try {
    const text = strftime(format === '' ? DEFAULT_FORMAT : format, now());
    const size = Buffer.byteLength(text);
    if (size > MAX_ANSWER_BYTES) {
      return error(`answer too long (${size} bytes, at most ${MAX_ANSWER_BYTES})`);
    }
    return { text, ok: true };
  } catch (err) {
    if (err instanceof FormatError) return error(err.message);
    throw err;
  }
}
