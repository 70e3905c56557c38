// secondsFlag and choiceFlag give the same help lines and typed values as the literal specs
// they replace.
import { expect, test } from 'vitest';
import { formatUsage, parseCli } from '../src/args.js';
import { choiceFlag, secondsFlag } from '../src/flags.js';

const spec = {
  usage: 'demo',
  role: 'client',
  summary: 'A demo.',
  defaultPort: 1,
  flags: {
    timeout: secondsFlag(2500, 'give up after this long'),
    mode: choiceFlag(['greet', 'ask'] as const, 'greet', 'who speaks first'),
  },
} as const;

test('a seconds flag shows its default in seconds, a choice flag its words', () => {
  const help = formatUsage(spec);
  expect(help).toMatch(/--timeout SECONDS +give up after this long \(default 2\.5\)/);
  expect(help).toMatch(/--mode greet\|ask +who speaks first \(default greet\)/);
  const { flags } = parseCli(spec, [], {});
  expect(flags).toEqual({ timeout: '2.5', mode: 'greet' });
});
