// The words of the protocol at their edges: an empty question asks for the seed's default
// format, which prints as Python's time.strftime('%Y-%m-%d %X') does (checked against
// python3 on the same fields), and only an answer that starts with `error: ` exactly is a
// refusal: a time may say "error" anywhere else.
import { spawnSync } from 'node:child_process';
import { hasPython3 } from '@socket-lab/common/testing';
import { expect, test } from 'vitest';
import { DEFAULT_FORMAT, errorAnswer, isErrorAnswer } from '../src/protocol.js';
import { strftime } from '../src/time-format/strftime.js';
import { TimeZone } from '../src/time-format/zone.js';

test('the default format is the seed server\'s: "2023-11-14 22:13:20"', () => {
  const t = TimeZone.utc().fieldsAt(1_700_000_000_000);
  expect(strftime(DEFAULT_FORMAT, t)).toBe('2023-11-14 22:13:20');
  expect(DEFAULT_FORMAT).toBe('%Y-%m-%d %X'); // time_fmt = '%Y-%m-%d %X' in the seed
});

test.skipIf(!hasPython3())('the default answer reads as python3 prints the same time', () => {
  const run = spawnSync('python3', [
    '-c',
    'import time,sys; print(time.strftime(sys.argv[1], time.gmtime(1700000000)))',
    DEFAULT_FORMAT,
  ]);
  const t = TimeZone.utc().fieldsAt(1_700_000_000_000);
  expect(strftime(DEFAULT_FORMAT, t)).toBe(run.stdout.toString().trim());
});

test('a refusal starts with `error: `, and nothing else is one', () => {
  expect(errorAnswer('')).toBe('error: ');
  expect(isErrorAnswer(errorAnswer('x'))).toBe(true);
  for (const time of ['error', 'error:x', 'Error: x', ' error: x', '12:00 error: ', '']) {
    expect(isErrorAnswer(time), JSON.stringify(time)).toBe(false);
  }
});
