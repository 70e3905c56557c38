// The pacing rules: the seed's random pauses (none before the first read), and lockstep's
// bookkeeping of groups, and oneAtATime's.
import { expect, test } from 'vitest';
import { lockstep, oneAtATime, randomGap, randomPause } from '../src/pacing.js';

const progress = (consumedBytes: number) => ({
  arrivedBytes: consumedBytes,
  consumedBytes,
  whenArrived: async () => true,
});

test('the receiver does not sleep before its first read, as the seed sleeps after each read', async () => {
  // With a 60 s bound, any pause here would outlast the test's timeout.
  await randomPause(60_000)(progress(0));
  await randomPause(0)(progress(100));
  await randomGap(0)(0);
});

test('lockstep needs groups that cover every write', () => {
  expect(() => lockstep([17, 1, 300], [1, 1])).toThrow('the groups cover 1+1 writes, not 3');
});

test('lockstep holds a group back until the one before it has been read', async () => {
  const pace = lockstep([10, 5, 5], [1, 2]);
  await pace.beforeWrite(0); // the first group goes at once
  let second = false;
  const waiting = pace.beforeWrite(1).then(() => {
    second = true;
  });
  await pace.beforeRead(progress(0));
  expect(second).toBe(false); // nothing read yet
  await pace.beforeRead(progress(10)); // the first group has been read
  await waiting;
  expect(second).toBe(true);
  await pace.beforeWrite(2); // the same group: no wait
});

test('one at a time: each write waits until everything before it was read, each read waits for nothing', async () => {
  const pace = oneAtATime([17, 1]);
  await pace.beforeWrite(0);
  let second = false;
  const waiting = pace.beforeWrite(1).then(() => {
    second = true;
  });
  await pace.beforeRead({ ...progress(7), whenArrived: () => new Promise(() => {}) });
  expect(second).toBe(false); // 7 of the first 17 bytes read: the second write waits
  await pace.beforeRead(progress(17));
  await waiting;
  expect(second).toBe(true);
});
