// What the bytes mean, with no sockets: the greeting, the notices the server sends, and the
// one rule the seed adds to RFC 862's echo, that a message `exit` ends the session.
//
// Echo itself needs no framing: whatever arrives goes back, in whatever pieces TCP makes.
// `exit` is the exception, because spotting it means knowing where a message starts and
// ends, and TCP does not say. The seed compares a whole `recv(1024)` with b'exit'. That works
// for its own client, which sends one message and waits for the echo before the next, so each
// read holds one message. It misses `exit\n` from nc and `exit\r\n` from telnet, which send
// lines. ExitDetector accepts both: a message ends at a newline, or at the end of a read.

/** The threaded seed server's greeting, as a line so that `nc` shows it on its own. */
export const GREETING = 'Hello World!\n';

/** The blocking seed server's greeting ("connected"), for `start --one-at-a-time`. */
export const ONE_AT_A_TIME_GREETING = '连接成功\n';

/** The word that ends a session (the seed's `if data == b'exit'`). */
export const EXIT_WORD = 'exit';

/** What the server says before it closes a session itself. One line each, for nc users. */
export const NOTICES = {
  full: (max: number) => `server full (${max} clients): try again later\n`,
  idle: (seconds: number) => `idle for ${seconds} s: closing\n`,
  shutdown: () => 'server shutting down\n',
};

const LF = 0x0a;
const CR = 0x0d;
const EXIT_BYTES = Buffer.from(EXIT_WORD, 'latin1');
const NEW_LINE = Buffer.alloc(0);

/**
 * Finds the message `exit` in a stream of reads. A message is a line (up to `\n`, with a
 * `\r` before it dropped), or what is left at the end of a read, the seed's rule. A line
 * that began after a newline may be split over reads (`…\nex` + `it\n`): its start is kept.
 * Reads from a client that never sends a newline are messages of their own, so `ex` then
 * `it` from a client that waits for each echo stay two messages, as they were sent.
 */
export class ExitDetector {
  /**
   * The first bytes of a line that began after a newline in an earlier read and may still
   * spell `exit` (empty when that read ended with the newline); null when no line is open.
   */
  private lineStart: Buffer | null = null;

  /** The offset in `chunk` where `exit` begins (bytes before it are ordinary data), or -1. */
  find(chunk: Buffer): number {
    let carried = this.lineStart;
    this.lineStart = null;
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, start)) {
      if (isExit(carried, chunk, start, nl)) return start;
      carried = null;
      start = nl + 1;
    }
    // No more newlines: the rest of this read is a message (the seed's rule) ...
    if (isExit(carried, chunk, start, chunk.length)) return start;
    // ... unless it is the start of a line that the next read may finish as `exit`.
    if (start === chunk.length && start > 0) {
      this.lineStart = NEW_LINE; // the read ended with a newline: the next one begins a line
    } else if ((start > 0 || carried !== null) && isExitPrefix(carried, chunk, start)) {
      this.lineStart = Buffer.concat([carried ?? NEW_LINE, chunk.subarray(start)]);
    }
    return -1;
  }
}

/** Whether `carried` + chunk[start…] is `e`, `ex` or `exi`: the line may still become `exit`. */
function isExitPrefix(carried: Buffer | null, chunk: Buffer, start: number): boolean {
  const head = carried?.length ?? 0;
  const length = head + chunk.length - start;
  return length < EXIT_BYTES.length && matches(carried, chunk, start, length);
}

/** Whether `carried` + chunk[start, end) is `exit`, give or take one trailing `\r`. */
function isExit(carried: Buffer | null, chunk: Buffer, start: number, end: number): boolean {
  const head = carried?.length ?? 0;
  let length = head + end - start;
  if (length > 0 && chunk[end - 1] === CR && end > start) length -= 1;
  return length === EXIT_BYTES.length && matches(carried, chunk, start, length);
}

/** Whether the first `length` bytes of `carried` + chunk[start…] are the start of `exit`. */
function matches(carried: Buffer | null, chunk: Buffer, start: number, length: number): boolean {
  const head = carried?.length ?? 0;
  for (let i = 0; i < length; i++) {
    const byte = i < head ? carried?.[i] : chunk[start + i - head];
    if (byte !== EXIT_BYTES[i]) return false;
  }
  return true;
}
