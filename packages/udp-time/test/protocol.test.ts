// The words both sides share (src/protocol.ts), as plain function calls: every refusal the
// server makes is one the client counts as an error answer, and no time is.
import { expect, test } from 'vitest';
import { DEFAULT_FORMAT, errorAnswer, isErrorAnswer } from '../src/protocol.js';
import { answerTime } from '../src/server.js';
import { TimeZone } from '../src/time-format/zone.js';
import { FIXED_MS } from './helpers.js';

test('each refusal of the server is an error answer to the client, and each time is not', () => {
  // Checks the one convention the client relies on to exit 1: the `error: ` prefix.
  const now = () => TimeZone.utc().fieldsAt(FIXED_MS);
  const refused = ['x'.repeat(300), '%c'.repeat(50), '%10Y', '%Y\0', '\xff'].map((format) =>
    answerTime(Buffer.from(format, format === '\xff' ? 'latin1' : 'utf8'), now),
  );
  for (const answer of refused) {
    expect(answer.ok).toBe(false);
    expect(isErrorAnswer(answer.text)).toBe(true);
  }
  for (const format of ['', DEFAULT_FORMAT, '%H:%M', 'error %Y']) {
    const answer = answerTime(Buffer.from(format), now);
    expect(answer.ok).toBe(true);
    expect(isErrorAnswer(answer.text)).toBe(false);
  }
  expect(errorAnswer('format too long')).toBe('error: format too long');
});
