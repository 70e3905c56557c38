// The formatter's edges, against python3's time.strftime given the very same fields (a
// struct_time with our year, month, day, hour, weekday, day of the year, offset and zone
// name): the calendar over nine centuries of new years (ISO weeks %G %V %g, including leap
// years that start on a Thursday such as 2004, whose Dec 31 is 2004-W53; %U %W %j) and the
// years before 1000, the
// twelve-hour clock at every hour, %z for odd offsets with every flag, two flags in a row,
// and the text of the refusal of a field width (ours alone: Python has no such refusal).
import { spawnSync } from 'node:child_process';
import { hasPython3 } from '@socket-lab/common/testing';
import { describe, expect, test } from 'vitest';
import { FormatError, isoWeek, strftime, type TimeFields } from '../src/time-format/strftime.js';

const DAY_MS = 86_400_000;

/** The fields of a wall-clock time, as localtime() would fill them in a zone at `offset`. */
function fieldsOf(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  utcOffsetSeconds = 0,
  zoneAbbreviation = 'UTC',
): TimeFields {
  // setUTCFullYear, not Date.UTC, which reads the years 0 to 99 as 1900 to 1999.
  const midnight = new Date(0);
  midnight.setUTCFullYear(year, month - 1, day);
  const jan1 = new Date(0);
  jan1.setUTCFullYear(year, 0, 1);
  const wallMs = midnight.getTime() + ((hour * 60 + minute) * 60 + second) * 1000;
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    weekday: midnight.getUTCDay(),
    yearDay: (midnight.getTime() - jan1.getTime()) / DAY_MS + 1,
    utcOffsetSeconds,
    zoneAbbreviation,
    epochSeconds: wallMs / 1000 - utcOffsetSeconds,
  };
}

/** Every day from `from` to `to` ([year, month from 0, day]), as fields at midnight UTC. */
function days(from: [number, number, number], to: [number, number, number]): TimeFields[] {
  const at = new Date(0);
  at.setUTCFullYear(...from);
  const end = new Date(0);
  end.setUTCFullYear(...to);
  const out: TimeFields[] = [];
  for (; at.getTime() <= end.getTime(); at.setTime(at.getTime() + DAY_MS)) {
    out.push(fieldsOf(at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate()));
  }
  return out;
}

/** Python's answer for each [fields, format]: time.strftime on a struct_time of those fields. */
function python(cases: [TimeFields, string][]): string[] {
  const script = `
import json, sys, time
out = []
for t, fmt in json.load(sys.stdin):
    st = time.struct_time((t['year'], t['month'], t['day'], t['hour'], t['minute'],
        t['second'], (t['weekday'] + 6) % 7, t['yearDay'], 0, t['zoneAbbreviation'],
        t['utcOffsetSeconds']))
    out.append(time.strftime(fmt, st))
json.dump(out, sys.stdout, ensure_ascii=False)
`;
  const run = spawnSync('python3', ['-c', script], {
    input: JSON.stringify(cases),
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0) throw new Error(run.stderr.toString());
  return JSON.parse(run.stdout.toString());
}

/** The cases where ours and Python's differ, as readable lines (empty when all agree). */
function mismatches(cases: [TimeFields, string][]): string[] {
  const want = python(cases);
  const out: string[] = [];
  cases.forEach(([t, format], i) => {
    const got = strftime(format, t);
    if (got !== want[i]) {
      const when = `${t.year}-${t.month}-${t.day} ${t.hour}:${t.minute} ${t.utcOffsetSeconds}`;
      out.push(`${when} ${JSON.stringify(format)}: python ${want[i]}, ours ${got}`);
    }
  });
  return out.slice(0, 20);
}

describe.skipIf(!hasPython3())('against python3, field for field', () => {
  test('the calendar letters agree on every day around nine centuries of new years', () => {
    // Dec 20 to Jan 10 of 1583 to 2500 (the Gregorian calendar: leap centuries 1600, 2000 and
    // 2400, common ones 1700, 1800, 1900, 2100 …), and every day of 1999 to 2033.
    const format = '%G %g %V %u | %U %W %j %w | %Y %C %y %m %d %e %a %A %b %B';
    const cases: [TimeFields, string][] = [];
    for (let year = 1583; year <= 2500; year++) {
      for (const t of days([year - 1, 11, 20], [year, 0, 10])) cases.push([t, format]);
    }
    for (const t of days([1999, 0, 11], [2033, 11, 19])) cases.push([t, format]);
    expect(mismatches(cases)).toEqual([]);
  });

  test('years before 1000 print unpadded, as glibc prints them (%C aside: see below)', () => {
    // Not a time this server will ever see (it formats "now"), but the same rules: %Y and
    // %G have no padding, %y and %g two digits.
    const format = '%Y %G %g %V %y %_y %-y %j %U %W %a %b %d';
    const cases: [TimeFields, string][] = [];
    for (const [from, to] of [
      [1, 130],
      [390, 410],
      [990, 1010],
    ] as const) {
      for (let year = from; year <= to; year++) {
        for (const t of days([year - 1, 11, 26], [year, 0, 6])) cases.push([t, format]);
      }
    }
    expect(mismatches(cases)).toEqual([]);
  });

  // glibc prints %C of the years 1 to 999 without padding, whatever the flag: 999 is "9",
  // 50 is "0". Ours pads to two digits ("09", "00"; " 9" for %_C). Found by these tests;
  // reported, not fixed here (the server only formats the current time, so no answer shows
  // it). Two tests, since a fix of the default padding alone would still leave %0C and %_C.
  const earlyYears = [5, 50, 99, 100, 999, 1000];
  test.fails('%C of a year before 1000 is its century, unpadded', () => {
    expect(mismatches(earlyYears.map((year) => [fieldsOf(year, 6, 1), '%C %-C']))).toEqual([]);
  });
  test.fails('%0C and %_C of a year before 1000 are unpadded too', () => {
    expect(mismatches(earlyYears.map((year) => [fieldsOf(year, 6, 1), '%0C %_C']))).toEqual([]);
  });

  test('the twelve-hour clock and its AM/PM at every hour, with every flag', () => {
    const cases: [TimeFields, string][] = [];
    for (let hour = 0; hour < 24; hour++) {
      const t = fieldsOf(2024, 3, 9, hour, hour * 2, 59 - hour);
      for (const flag of ['', '-', '_', '0', '^', '#']) {
        cases.push([t, `%${flag}I %${flag}l %${flag}p %${flag}P %${flag}H %${flag}k`]);
        cases.push([t, `%${flag}r|%${flag}R|%${flag}T|%${flag}X|%${flag}c`]);
      }
    }
    expect(mismatches(cases)).toEqual([]);
  });

  test('%z for offsets east and west, whole hours or not, with every flag', () => {
    const offsets = [
      0, 60, -60, -30, 1800, -9000, 12_600, -12_600, 19_800, 20_700, 34_200, 37_800, 45_900, 50_400,
      -36_000, -39_600, -17_762, 28_800, -18_000,
    ];
    const cases: [TimeFields, string][] = offsets.map((offset) => [
      fieldsOf(2024, 6, 1, 12, 0, 0, offset, 'XYZ'),
      '%z %-z %_z %0z %^z %#z %Ez %Oz | %Z %^Z %#Z %-Z',
    ]);
    expect(mismatches(cases)).toEqual([]);
  });

  test('two flags in a row: the last padding flag wins, and case flags add up', () => {
    const flags = ['-', '_', '0', '^', '#'];
    const letters = ['d', 'e', 'j', 'k', 'l', 'm', 'y', 'Y', 'z', 'a', 'B', 'p', 'P', 'Z', 'c'];
    const t = fieldsOf(2009, 1, 4, 7, 5, 3, -18_000, 'EST');
    const cases: [TimeFields, string][] = [];
    for (const a of flags) {
      for (const b of flags) {
        cases.push([t, letters.map((letter) => `%${a}${b}${letter}`).join(' ')]);
      }
    }
    expect(mismatches(cases)).toEqual([]);
  });
});

// These need no python3.
test('ISO weeks at the turn of a year, written out (checked against python3)', () => {
  // A leap year that starts on a Thursday has 53 weeks: 2004-12-31 is 2004-W53-5, and the
  // next year's first days belong to it; 2009 (a common year from Thursday) has 53 too.
  const iso = (y: number, m: number, d: number) => strftime('%G-W%V-%u', fieldsOf(y, m, d));
  expect(iso(2004, 12, 31)).toBe('2004-W53-5');
  expect(iso(2005, 1, 2)).toBe('2004-W53-7');
  expect(iso(2005, 1, 3)).toBe('2005-W01-1');
  expect(iso(2032, 12, 31)).toBe('2032-W53-5');
  expect(iso(2009, 12, 31)).toBe('2009-W53-4');
  expect(iso(2010, 1, 3)).toBe('2009-W53-7');
  // A year that has 52 weeks hands its last days to the next year's week 1.
  expect(iso(2024, 12, 30)).toBe('2025-W01-1');
  expect(iso(2019, 12, 30)).toBe('2020-W01-1');
  // Century years: 2000 is leap and starts on a Saturday, 1900 is not leap (a Monday).
  expect(iso(2000, 1, 2)).toBe('1999-W52-7');
  expect(iso(1900, 12, 31)).toBe('1901-W01-1');
  expect(isoWeek({ year: 2004, yearDay: 366, weekday: 5 })).toEqual({ year: 2004, week: 53 });
});

test('a field width is refused with the directive as written, up to its letter', () => {
  // Widths are the one part of glibc's syntax we leave out; the message shows what was asked.
  const t = fieldsOf(2024, 1, 1);
  const refusal = (format: string) => {
    try {
      strftime(format, t);
    } catch (err) {
      expect(err).toBeInstanceOf(FormatError);
      expect((err as Error).name).toBe('FormatError');
      return (err as Error).message;
    }
    return 'not refused';
  };
  expect(refusal('%10Y')).toBe('field widths such as %10Y are not supported');
  expect(refusal('a %_5d b')).toBe('field widths such as %_5d are not supported');
  expect(refusal('%^#9Ex')).toBe('field widths such as %^#9E are not supported');
  expect(refusal('%123')).toBe('field widths such as %123 are not supported');
  expect(refusal('%Y %5')).toBe('field widths such as %5 are not supported');
  expect(refusal('%-7')).toBe('field widths such as %-7 are not supported');
  expect(refusal('%4%')).toBe('field widths such as %4% are not supported');
  // A 0 is the zero-padding flag, not a width; a % after another is a literal percent.
  expect(refusal('%0d')).toBe('not refused');
  expect(strftime('%0d %%5 %-0e', t)).toBe('01 %5 01');
});
