// The echo rules at their edges: asciiUpper is Python's bytes.upper() on every one of the 256
// byte values (checked against python3 when it is here, and written out at the a-z edges
// without it), it leaves its input alone, and isEchoOf takes only the request's bytes or
// their upper case: not the request lower-cased, not a request that was upper case already
// answered in lower case.
import { spawnSync } from 'node:child_process';
import { hasPython3 } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';
import { asciiUpper, isEchoOf } from '../src/protocol.js';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

test.skipIf(!hasPython3())('asciiUpper is bytes.upper() on all 256 byte values', () => {
  const run = spawnSync('python3', ['-c', 'print(bytes(range(256)).upper().hex())']);
  expect(asciiUpper(ALL_BYTES).toString('hex')).toBe(run.stdout.toString().trim());
});

test('only a to z change: the bytes around them do not', () => {
  // ` (0x60) and { (0x7b) sit just outside a-z; @ and [ just outside A-Z.
  expect(asciiUpper(Buffer.from('`az{@AZ[')).toString()).toBe('`AZ{@AZ[');
  expect(asciiUpper(Buffer.from('héllo wörld 中')).toString()).toBe('HéLLO WöRLD 中');
  const upper = asciiUpper(ALL_BYTES);
  for (let b = 0; b < 256; b++) {
    const want = b >= 0x61 && b <= 0x7a ? b - 0x20 : b;
    expect(upper[b], `byte 0x${b.toString(16)}`).toBe(want);
  }
});

test('asciiUpper returns a new buffer and leaves the request as it was', () => {
  const request = Buffer.from('abc');
  const answer = asciiUpper(request);
  expect(answer.toString()).toBe('ABC');
  expect(request.toString()).toBe('abc');
  expect(asciiUpper(Buffer.alloc(0))).toEqual(Buffer.alloc(0));
});

test('isEchoOf: the request or its upper case, whatever bytes it holds', () => {
  expect(isEchoOf(ALL_BYTES, ALL_BYTES)).toBe(true);
  expect(isEchoOf(asciiUpper(ALL_BYTES), ALL_BYTES)).toBe(true);
  expect(isEchoOf(Buffer.from('ABC'), Buffer.from('ABC'))).toBe(true);
  // The lower case of an upper-case request is neither.
  expect(isEchoOf(Buffer.from('abc'), Buffer.from('ABC'))).toBe(false);
  // A longer answer that starts with the request is not its echo.
  expect(isEchoOf(Buffer.from('hello!'), Buffer.from('hello'))).toBe(false);
  expect(isEchoOf(Buffer.from('HELLO!'), Buffer.from('hello'))).toBe(false);
  expect(isEchoOf(Buffer.alloc(0), Buffer.from('x'))).toBe(false);
});
