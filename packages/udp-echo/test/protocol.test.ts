// What counts as an echo (src/protocol.ts), as plain function calls: the rule both the
// client (to pick the echo out of everything that reaches its port) and the bench apply.
import { expect, test } from 'vitest';
import { isEchoOf } from '../src/protocol.js';

test('isEchoOf takes the same bytes or the same bytes upper-cased, nothing else', () => {
  // Checks the echo test the client applies to every datagram from the server.
  const hello = Buffer.from('hello');
  expect(isEchoOf(Buffer.from('hello'), hello)).toBe(true);
  expect(isEchoOf(Buffer.from('HELLO'), hello)).toBe(true); // seed 002's server
  expect(isEchoOf(Buffer.from('hell'), hello)).toBe(false); // cut short
  expect(isEchoOf(Buffer.from('HeLLO'), hello)).toBe(false);
  expect(isEchoOf(Buffer.from('world'), hello)).toBe(false); // the echo of another message
  expect(isEchoOf(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
});
