// The formatter against Python's time.strftime itself: every directive letter, alone and
// with every flag (- _ 0 ^ #) and modifier (E O), plus unknown ones and odd endings, at
// fixed instants (DST changes, year and ISO-week edges, midnights) and pseudo-random ones
// from 1970 to 2100, in UTC, Asia/Shanghai and America/New_York (and two zones with odd
// offsets). python3 computes the expected table in the test (test/fixtures/strftime_table.py).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hasPython3 } from '@socket-lab/common/testing';
import { describe, expect, test } from 'vitest';
import { FormatError, strftime } from '../src/time-format/strftime.js';
import { TimeZone } from '../src/time-format/zone.js';

const LETTERS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ%'];
const FORMATS = [
  ...LETTERS.flatMap((letter) =>
    ['', '-', '_', '0', '^', '#'].flatMap((flag) =>
      ['', 'E', 'O'].map((modifier) => `%${flag}${modifier}${letter}`),
    ),
  ),
  '',
  '%',
  'a%',
  '%-',
  '%E',
  '%O',
  '%-E',
  '%E-d',
  '%EEy',
  '%^#Z',
  '%#^p',
  '%--d',
  '%-_e',
  '%^é %^ß x%^ǆ %é',
  '年%Y月%d日 %H时',
  '%Y-%m-%d %X',
  '%n%t%%',
  '100%% sure',
  '%%Y',
];

const INSTANTS = [
  0, // 1970-01-01 00:00:00 UTC, a Thursday
  951_782_400, // 2000-02-29, a leap day
  1_609_459_200, // 2021-01-01: ISO week 53 of 2020
  1_735_516_800, // 2024-12-30: ISO week 1 of 2025
  1_704_067_199, // the last second of 2023 (UTC)
  1_704_067_200, // the first second of 2024 (UTC)
  1_704_038_400, // a local midnight in Shanghai (16:00 UTC)
  1_704_124_800, // a local midnight in New York (05:00 UTC)
  1_710_053_999, // New York, 2024-03-10 01:59:59 EST
  1_710_054_000, // one second on it is 03:00:00 EDT: clocks spring forward
  1_730_613_599, // New York, 2024-11-03 01:59:59 EDT
  1_730_613_600, // one second on it is 01:00:00 EST: clocks fall back
  583_718_400, // 1988-07-01: Shanghai kept summer time (CDT) from 1986 to 1991
  1_700_000_000, // an afternoon
  1_700_043_199, // 12 hours on, for %I and %p
  2_147_483_647, // the last second of a 32-bit time_t
  2_147_483_648, // and the one after
  4_102_444_799, // 2099-12-31 23:59:59 UTC
];
let seed = 42; // a fixed pseudo-random walk, so every run checks the same instants
for (let i = 0; i < 100; i++) {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  INSTANTS.push(Math.floor((seed / 2 ** 31) * 4_102_444_800));
}
const ZONES = ['UTC', 'Asia/Shanghai', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];

const zoneOf = (name: string) => (name === 'UTC' ? TimeZone.utc() : TimeZone.named(name));
const python = hasPython3();

describe.skipIf(!python)('against python3 time.strftime', () => {
  const run = spawnSync(
    'python3',
    [fileURLToPath(new URL('fixtures/strftime_table.py', import.meta.url))],
    {
      input: JSON.stringify({ zones: ZONES, instants: INSTANTS, formats: FORMATS }),
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
      maxBuffer: 1 << 30,
    },
  );
  const expected: Record<string, (string | { error: string })[][]> = python
    ? JSON.parse(run.stdout.toString())
    : {};

  test.each(ZONES)('every directive, flag and modifier matches Python in %s', (name) => {
    // Checks every format against python3's answer at every instant in this zone.
    const zone = zoneOf(name);
    const mismatches: string[] = [];
    INSTANTS.forEach((instant, i) => {
      const fields = zone.fieldsAt(instant * 1000);
      FORMATS.forEach((format, k) => {
        const want = expected[name]?.[i]?.[k];
        const got = strftime(format, fields);
        if (got !== want)
          mismatches.push(
            `${instant} ${JSON.stringify(format)}: python ${JSON.stringify(want)}, ours ${JSON.stringify(got)}`,
          );
      });
    });
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(Object.keys(expected[name] ?? {}).length).toBe(INSTANTS.length);
  });
});

// These need no python3: the facts the table above checks at scale, written out.
test('the seed default and %c read as the C locale writes them', () => {
  // Checks the C locale's spellings, without python3.
  const t = TimeZone.utc().fieldsAt(1_700_000_000_000); // 2023-11-14 22:13:20 UTC
  expect(strftime('%Y-%m-%d %X', t)).toBe('2023-11-14 22:13:20');
  expect(strftime('%c', t)).toBe('Tue Nov 14 22:13:20 2023');
  expect(strftime('%I %p %l %k %j %U %W %u %w %s', t)).toBe('10 PM 10 22 318 46 46 2 2 1700000000');
});

test('%Z and %z follow the zone, daylight saving included', () => {
  // Checks zone names and offsets across a DST change and Shanghai's 1988 summer time.
  const ny = TimeZone.named('America/New_York');
  expect(strftime('%H:%M %Z %z', ny.fieldsAt(1_710_053_999_000))).toBe('01:59 EST -0500');
  expect(strftime('%H:%M %Z %z', ny.fieldsAt(1_710_054_000_000))).toBe('03:00 EDT -0400');
  const shanghai = TimeZone.named('Asia/Shanghai');
  expect(strftime('%Z %z', shanghai.fieldsAt(1_700_000_000_000))).toBe('CST +0800');
  expect(strftime('%Z %z', shanghai.fieldsAt(583_718_400_000))).toBe('CDT +0900');
  expect(strftime('%Z %z %-z %_z', TimeZone.utc().fieldsAt(0))).toBe('UTC +0000 +0 +   0');
});

test('ISO weeks: Jan 1 can belong to the last week of the year before, Dec 30 to the next', () => {
  // Checks the ISO week edge cases on both sides of a new year.
  const utc = TimeZone.utc();
  expect(strftime('%G-W%V-%u', utc.fieldsAt(1_609_459_200_000))).toBe('2020-W53-5');
  expect(strftime('%G-W%V-%u %g', utc.fieldsAt(1_735_516_800_000))).toBe('2025-W01-1 25');
});

test('unknown directives stay as written; flags pad, unpad and change case', () => {
  // Checks glibc's handling of unknown directives and of the flags, by example.
  const t = TimeZone.utc().fieldsAt(Date.UTC(2024, 0, 5, 9, 7, 3));
  expect(strftime('%f %Q %Ea %E-d 100%', t)).toBe('%f %Q %Ea %E-d 100%');
  expect(strftime('%d %-d %_d %e %0e %-j %_j', t)).toBe('05 5  5  5 05 5   5');
  expect(strftime('%^a %#A %#p %^P %^c', t)).toBe('FRI FRIDAY am am FRI JAN  5 09:07:03 2024');
});

test('a field width is refused, not padded to any length asked', () => {
  // Checks that widths, the one glibc feature we leave out, are refused and not misprinted.
  const t = TimeZone.utc().fieldsAt(0);
  expect(() => strftime('%1000000Y', t)).toThrow(FormatError);
  expect(() => strftime('x %-12d', t)).toThrow('field widths such as %-12d are not supported');
});

test('an unknown zone name is refused', () => {
  // Checks that --tz can tell a real zone from a typo.
  expect(() => TimeZone.named('Mars/Olympus_Mons')).toThrow(RangeError);
});

test('the fields of one second are worked out once and kept; the next second gets its own', () => {
  // A busy server asks for "now" thousands of times a second; Intl is asked once per second.
  const zone = TimeZone.named('America/New_York');
  const at = Date.UTC(2026, 2, 8, 6, 59, 59); // 01:59:59 EST, one second before the DST jump
  const first = zone.fieldsAt(at);
  expect(zone.fieldsAt(at + 999)).toBe(first);
  expect(Object.isFrozen(first)).toBe(true);
  const next = zone.fieldsAt(at + 1000);
  expect(next).not.toBe(first);
  expect([first.hour, first.zoneAbbreviation, next.hour, next.zoneAbbreviation]).toEqual([
    1,
    'EST',
    3,
    'EDT',
  ]);
  expect(strftime('%H:%M:%S %Z', zone.fieldsAt(at))).toBe('01:59:59 EST');
});
