// The cache of answers the server keeps for one second: the same bytes for the same question
// while the clock's fields stay the same object, a fresh answer once they change, and its
// two bounds (formats kept per second, bytes per question).
import { expect, test } from 'vitest';
import { AnswerCache, MAX_CACHED_FORMATS, MAX_CACHED_QUESTION_BYTES } from '../src/answer-cache.js';
import { answerTime } from '../src/server.js';
import type { TimeFields } from '../src/time-format/strftime.js';
import { TimeZone } from '../src/time-format/zone.js';
import { FIXED_MS } from './helpers.js';

/** A cache over answerTime that counts how often it really formatted. */
function counted() {
  let formatted = 0;
  const cache = new AnswerCache((request, fields) => {
    formatted += 1;
    return Buffer.from(answerTime(request, () => fields).text);
  });
  return { cache, formatted: () => formatted };
}

const zone = TimeZone.utc();
const at = (ms: number) => () => zone.fieldsAt(ms);

test('the same question in the same second gets the same bytes, formatted once', () => {
  // Checks the cache hits: one strftime for any number of asks within a second.
  const { cache, formatted } = counted();
  const first = cache.get(Buffer.from('%H:%M:%S'), at(FIXED_MS));
  const again = cache.get(Buffer.from('%H:%M:%S'), at(FIXED_MS + 999));
  expect(first.toString()).toBe('22:13:20');
  expect(again).toBe(first);
  expect(cache.get(Buffer.from('%Y'), at(FIXED_MS)).toString()).toBe('2023');
  expect(formatted()).toBe(2);
});

test('a new second, or fields that are not the same object, give a fresh answer', () => {
  // Checks that nothing outlives its second, and that a clock which builds new fields on
  // every call (as a test's may) never gets an answer computed for other fields.
  const { cache, formatted } = counted();
  expect(cache.get(Buffer.from('%S'), at(FIXED_MS)).toString()).toBe('20');
  expect(cache.get(Buffer.from('%S'), at(FIXED_MS + 1000)).toString()).toBe('21');
  const fields = zone.fieldsAt(FIXED_MS);
  const copies = (second: number) => (): TimeFields => ({ ...fields, second });
  expect(cache.get(Buffer.from('%S'), copies(20)).toString()).toBe('20');
  expect(cache.get(Buffer.from('%S'), copies(42)).toString()).toBe('42');
  expect(formatted()).toBe(4);
});

test('questions past the bounds are answered every time, just not kept', () => {
  // Checks both bounds: the formats kept per second, and the bytes of one question.
  const { cache, formatted } = counted();
  const now = at(FIXED_MS);
  for (let i = 0; i < MAX_CACHED_FORMATS + 1; i++) cache.get(Buffer.from(`${i} %S`), now);
  expect(formatted()).toBe(MAX_CACHED_FORMATS + 1);
  cache.get(Buffer.from('0 %S'), now); // kept
  cache.get(Buffer.from(`${MAX_CACHED_FORMATS} %S`), now); // the one past the bound
  expect(formatted()).toBe(MAX_CACHED_FORMATS + 2);
  const long = Buffer.alloc(MAX_CACHED_QUESTION_BYTES + 1, 'x');
  expect(cache.get(long, now).toString()).toMatch(/^error: format too long/);
  cache.get(long, now);
  expect(formatted()).toBe(MAX_CACHED_FORMATS + 4);
});

test('different bytes are different questions, even where UTF-8 would not tell', () => {
  // Checks the key is the bytes: a bad UTF-8 question keeps its own error answer.
  const { cache } = counted();
  const now = at(FIXED_MS);
  expect(cache.get(Buffer.from([0x25, 0x59, 0xff]), now).toString()).toBe(
    'error: format is not valid UTF-8',
  );
  expect(cache.get(Buffer.from([0x25, 0x59, 0xfe]), now).toString()).toBe(
    'error: format is not valid UTF-8',
  );
  expect(cache.get(Buffer.from('%Y'), now).toString()).toBe('2023');
});
