// The `exit` rule at its edges: the rule written out as a plain model (a message is a line,
// `\r\n` or `\n`, or what is left at the end of a read; a line that began after a newline
// may go on over later reads, and only then) and ExitDetector checked against it on
// thousands of pseudo-random streams of e, x, i, t, \r, \n and other bytes cut into reads;
// then the cases where a line start is carried, dropped or kept, spelled out.
import { expect, test } from 'vitest';
import {
  EXIT_WORD,
  ExitDetector,
  GREETING,
  NOTICES,
  ONE_AT_A_TIME_GREETING,
} from '../src/protocol.js';

/**
 * The rule, read by read: [index of the read, offset in it] where the first `exit` message
 * starts, or null. `open` is the start of a line begun after a newline, still unfinished.
 */
function model(reads: string[]): [number, number] | null {
  let open: string | null = null;
  const isExit = (message: string) =>
    (message.endsWith('\r') ? message.slice(0, -1) : message) === EXIT_WORD;
  for (const [r, read] of reads.entries()) {
    const pieces = read.split('\n');
    let offset = 0;
    for (const [k, piece] of pieces.entries()) {
      const message = (k === 0 ? (open ?? '') : '') + piece;
      if (isExit(message)) return [r, offset];
      offset += piece.length + 1;
    }
    const last: string = pieces.length === 1 ? (open ?? '') + read : (pieces.at(-1) as string);
    const sawNewline = pieces.length > 1;
    // What is left may go on in the next read only if a newline came before it: in this
    // read, or in an earlier one (a line already open).
    if (sawNewline && last === '') open = '';
    else if (
      (sawNewline || open !== null) &&
      EXIT_WORD.startsWith(last) &&
      last.length < EXIT_WORD.length
    )
      open = last;
    else open = null;
  }
  return null;
}

function detector(reads: string[]): [number, number] | null {
  const d = new ExitDetector();
  for (const [i, read] of reads.entries()) {
    const at = d.find(Buffer.from(read, 'latin1'));
    if (at !== -1) return [i, at];
  }
  return null;
}

/** A fixed pseudo-random walk, so every run checks the same streams. */
function lcg(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.floor((s / 2 ** 31) * n);
  };
}

test('the detector follows the rule on 10,000 pseudo-random streams cut into reads', () => {
  const next = lcg(7);
  const alphabet = ['e', 'x', 'i', 't', 'exit', 'ex', 'exi', '\n', '\r', '\r\n', 'a', 'E'];
  const disagreements: string[] = [];
  for (let run = 0; run < 10_000; run++) {
    const reads: string[] = [];
    const count = 1 + next(5);
    for (let r = 0; r < count; r++) {
      let read = '';
      const parts = next(5);
      for (let p = 0; p < parts; p++) read += alphabet[next(alphabet.length)];
      reads.push(read);
    }
    const want = model(reads);
    const got = detector(reads);
    if (JSON.stringify(got) !== JSON.stringify(want))
      disagreements.push(`${JSON.stringify(reads)}: rule ${want}, detector ${got}`);
  }
  expect(disagreements.slice(0, 10)).toEqual([]);
});

test('a line start is carried only while it can still become exit', () => {
  // Carried `ex`, then a read with two lines: only the first continues it.
  expect(detector(['a\nex', 'x\nit\n'])).toBeNull();
  expect(detector(['a\nex', 'it\nmore'])).toEqual([1, 0]);
  // A carried start followed by an empty read is still carried.
  expect(detector(['a\nex', '', 'it'])).toEqual([2, 0]);
  expect(detector(['a\n', '', 'exit'])).toEqual([2, 0]);
  // A start that can no longer be exit is dropped, and does not join a later read.
  expect(detector(['a\nexx', 'it'])).toBeNull();
  expect(detector(['a\nexit!', 'exit'])).toEqual([1, 0]);
  expect(detector(['a\nfoo', 'exit'])).toEqual([1, 0]);
  // An empty read with no line open opens none.
  expect(detector(['', 'ex', 'it'])).toBeNull();
  expect(detector(['a\nexi', 'x', 't'])).toBeNull();
  // After a read that ends with a newline, an `exit` read alone, or in pieces, ends it.
  expect(detector(['a\n', 'ex', 'it'])).toEqual([2, 0]);
  expect(detector(['a\n', 'ex', 'it\r\n'])).toEqual([2, 0]);
});

test('without a newline before, reads are messages of their own', () => {
  expect(detector(['e', 'x', 'i', 't'])).toBeNull();
  expect(detector(['', 'exit'])).toEqual([1, 0]);
  expect(detector(['exi', 't\n'])).toBeNull();
  expect(detector(['ex', 'it\n'])).toBeNull();
});

test('only one \\r before the end is dropped, and only at the end', () => {
  expect(detector(['exit\r'])).toEqual([0, 0]);
  expect(detector(['exit\r\r'])).toBeNull();
  expect(detector(['exit\r\r\n'])).toBeNull();
  expect(detector(['ex\rit'])).toBeNull();
  expect(detector(['x\nexit\r'])).toEqual([0, 2]);
  expect(detector(['x\n\r\nexit\r\n'])).toEqual([0, 4]);
  expect(detector(['x\n', 'exit\r', '\n'])).toEqual([1, 0]);
  expect(detector(['\n'])).toBeNull();
  expect(detector(['\r'])).toBeNull();
  expect(detector(['\r\n', '\r'])).toBeNull();
});

test('exit is found at its byte offset after lines of other words', () => {
  expect(detector(['exi\nexit'])).toEqual([0, 4]);
  expect(detector(['exitt\nexit\n'])).toEqual([0, 6]);
  expect(detector(['\nexit'])).toEqual([0, 1]);
  expect(detector(['\n\n\nexit\n'])).toEqual([0, 3]);
  expect(detector(['eexit\nxexit\nexit'])).toEqual([0, 12]);
});

test('the greeting and the notices are one line each, in the words nc users see', () => {
  expect(GREETING).toBe('Hello World!\n');
  expect(ONE_AT_A_TIME_GREETING).toBe('连接成功\n'); // "connected", the blocking seed's words
  expect(NOTICES.full(3)).toBe('server full (3 clients): try again later\n');
  expect(NOTICES.idle(60)).toBe('idle for 60 s: closing\n');
  expect(NOTICES.shutdown()).toBe('server shutting down\n');
});
