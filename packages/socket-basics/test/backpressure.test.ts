// send() against sendall(): Node's write() takes everything, returns false past the
// high-water mark, and 'drain' says when to go on; Python's send() takes what fits.
import { hasPython3, Recorder } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';
import { BIG_WRITE_BYTES, showBackpressure } from '../src/backpressure.js';
import { readTcpBufferSizes } from '../src/system.js';

const python = hasPython3();

test("a big write() returns false, 'drain' comes, and every byte arrives", async () => {
  // What this checks: the Node half of the step (and the Python half where python3 exists).
  const log = new Recorder();
  const facts = await showBackpressure(log.push);
  expect(facts.returned).toBe(false);
  expect(facts.queuedAfterWrite).toBeGreaterThan(facts.highWaterMark);
  expect(facts.readAtDrain).toBeGreaterThan(0);
  expect(facts.received).toBe(BIG_WRITE_BYTES);
  if (!python) return expect(facts.python).toBeNull();
  // A non-blocking send() took part of it, not all (where the kernel's send buffer can hold
  // less than the write); sendall() delivered the rest.
  expect(facts.python?.sendTook).toBeGreaterThan(0);
  const sendBufferMax = Number((await readTcpBufferSizes('wmem'))?.value.split(' ')[2]);
  if (sendBufferMax < BIG_WRITE_BYTES) expect(facts.python?.sendTook).toBeLessThan(BIG_WRITE_BYTES);
  expect(facts.python?.received).toBe(BIG_WRITE_BYTES);
});
