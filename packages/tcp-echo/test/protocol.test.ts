// The `exit` rule on its own, without sockets: which reads end a session, and where in the
// read the `exit` starts, however the bytes were split.
import { expect, test } from 'vitest';
import { ExitDetector } from '../src/protocol.js';

/** Feeds the reads in order; returns [index of the read, offset] of the first exit, or null. */
function findExit(reads: string[]): [number, number] | null {
  const detector = new ExitDetector();
  for (const [i, read] of reads.entries()) {
    const at = detector.find(Buffer.from(read));
    if (at !== -1) return [i, at];
  }
  return null;
}

test('a read that is exit, with or without \\n or \\r\\n, ends the session', () => {
  // The seed's client sends `exit` alone; nc adds \n, telnet \r\n.
  expect(findExit(['exit'])).toEqual([0, 0]);
  expect(findExit(['exit\n'])).toEqual([0, 0]);
  expect(findExit(['exit\r\n'])).toEqual([0, 0]);
  expect(findExit(['hello', 'exit'])).toEqual([1, 0]);
});

test('exit as a line inside a read is found at its offset', () => {
  // Several lines can arrive in one read: the bytes before `exit` are still echoed.
  expect(findExit(['one\ntwo\nexit\nthree\n'])).toEqual([0, 8]);
  expect(findExit(['one\r\nexit\r\n'])).toEqual([0, 5]);
  expect(findExit(['one\nexit'])).toEqual([0, 4]);
});

test('other words are not exit', () => {
  // Longer, shorter, other case, surrounded by spaces: the seed's check is exact, so is ours.
  for (const read of [
    'exits',
    'exi',
    'EXIT',
    ' exit',
    'exit ',
    'e\nxit',
    'exitexit',
    '\rexit',
    '',
  ]) {
    expect(findExit([read]), JSON.stringify(read)).toBeNull();
  }
  expect(findExit(['next\nexits\n', 'hello exit\n'])).toBeNull();
});

test('a line split over reads after a newline is still found', () => {
  // `…\nex` + `it\n`: the line began after a newline, so its start is kept.
  expect(findExit(['hello\nex', 'it\n'])).toEqual([1, 0]);
  expect(findExit(['hello\n', 'e', 'x', 'i', 't'])).toEqual([4, 0]);
  expect(findExit(['hello\nexi', 't\r', '\n'])).toEqual([1, 0]);
  expect(findExit(['hello\nex', 'tra\n'])).toBeNull();
});

test('reads without newlines are separate messages, as the seed client sends them', () => {
  // `ex` then `it` from a client that waits for each echo are two messages, not `exit`.
  expect(findExit(['ex', 'it'])).toBeNull();
  expect(findExit(['hello', 'ex', 'it'])).toBeNull();
  // A line start carried over does not survive a read that does not continue it.
  expect(findExit(['a\nex', 'x', 'it'])).toBeNull();
});

test('every split of a line stream finds the exit line at the same byte', () => {
  // Lines `ab`, `exi`, `exit\r` …: the exit line starts at byte 11. Cut the stream into two
  // or three reads at every possible place: the answer must not depend on the cuts.
  const stream = 'ab\nexi\ntx\nexit\r\nafter\n';
  const exitAt = stream.indexOf('exit\r');
  for (let i = 1; i < stream.length; i++) {
    for (let j = i; j < stream.length; j++) {
      const cuts = [stream.slice(0, i), stream.slice(i, j), stream.slice(j)].filter((r) => r);
      const found = findExit(cuts);
      expect(found, JSON.stringify(cuts)).not.toBeNull();
      const [read, offset] = found as [number, number];
      const start = cuts.slice(0, read).join('').length + offset;
      // The offset is in the read where the exit was seen; a line begun in an earlier read
      // reports offset 0 of the read that completed it, and its start is no later than that.
      expect(start, JSON.stringify(cuts)).toBeLessThanOrEqual(exitAt + 5);
      expect(start, JSON.stringify(cuts)).toBeGreaterThanOrEqual(exitAt);
    }
  }
});
