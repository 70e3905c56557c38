// Half-close: end() leaves the way back open; destroy() closes both; allowHalfOpen decides
// whether a Node server may answer after the client's FIN.
import { Recorder } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';
import { showHalfClose } from '../src/half-close.js';

test("the server still answers after the client's end(), only with allowHalfOpen", async () => {
  // What this checks: all three runs of the demo step, and what each side saw.
  const log = new Recorder();
  const [halfOpen, closedForUs, destroyed] = await showHalfClose(log.push);
  expect(halfOpen).toEqual({
    client: 'end',
    allowHalfOpen: true,
    server: 'was sent',
    answer: 'got 5 bytes',
  });
  // allowHalfOpen: false: Node ended the server's side when the FIN came.
  expect(closedForUs).toMatchObject({ client: 'end', allowHalfOpen: false, answer: '' });
  expect(closedForUs?.server).toBe('failed on write #1: EPIPE');
  // destroy(): the client reads nothing, and the server's writes meet a reset.
  expect(destroyed).toMatchObject({ client: 'destroy', answer: null });
  expect(destroyed?.server).toMatch(/^failed on write #\d+: (EPIPE|ECONNRESET)$/);
  expect(log.entries).toHaveLength(4);
});
