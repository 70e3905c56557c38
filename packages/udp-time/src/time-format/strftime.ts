// Python's `time.strftime` in the C locale, as a table. On Linux, Python hands the format
// to the C library (glibc), so "what Python does" is what glibc's strftime does:
//
//   %[flags][E|O]letter      flags: - (no padding)  _ (pad with spaces)  0 (pad with zeros)
//                                   ^ (upper case)   # (swap case, for a few letters)
//
// A letter glibc doesn't know (%f, %Q), or a modifier the letter doesn't take (%Ea), is
// copied as it was written; so is a lone % at the end. Field widths (%10Y) are the one part
// we refuse: they add nothing here, and they would let a 5-byte format ask for an answer
// of any size (see the server). The tests compare every letter with every flag and
// modifier against python3, at instants in UTC, Asia/Shanghai and America/New_York.

/** The broken-down time C's localtime() gives, plus the zone's offset and abbreviation. */
export interface TimeFields {
  year: number;
  /** 1 to 12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** 1 to 366. */
  yearDay: number;
  /** East of UTC is positive: +28800 for Asia/Shanghai. */
  utcOffsetSeconds: number;
  /** `CST`, `EDT`, `UTC`, `+08`: what glibc prints for %Z. */
  zoneAbbreviation: string;
  /** Seconds since 1970-01-01T00:00:00Z, for %s. */
  epochSeconds: number;
}

/** A format we will not run. The server sends the message back as a short error answer. */
export class FormatError extends Error {
  override name = 'FormatError';
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

type Pad = '0' | ' ' | '';

/** What a directive letter prints. `width`/`pad` are the C locale's defaults. */
type Directive =
  | { kind: 'number'; width: number; pad: Pad; value: (t: TimeFields) => number }
  | { kind: 'text'; value: (t: TimeFields) => string; hash?: 'upper' | 'lower'; lower?: true }
  | { kind: 'composite'; format: string }
  | { kind: 'literal'; text: string }
  | { kind: 'offset' };

const num = (width: number, pad: Pad, value: (t: TimeFields) => number): Directive => ({
  kind: 'number',
  width,
  pad,
  value,
});
const hour12 = (t: TimeFields) => (t.hour % 12 === 0 ? 12 : t.hour % 12);
const monthName = (t: TimeFields) => MONTHS[t.month - 1] as string;
const dayName = (t: TimeFields) => DAYS[t.weekday] as string;

const DIRECTIVES: Record<string, Directive> = {
  a: { kind: 'text', value: (t) => dayName(t).slice(0, 3), hash: 'upper' },
  A: { kind: 'text', value: dayName, hash: 'upper' },
  b: { kind: 'text', value: (t) => monthName(t).slice(0, 3), hash: 'upper' },
  h: { kind: 'text', value: (t) => monthName(t).slice(0, 3), hash: 'upper' },
  B: { kind: 'text', value: monthName, hash: 'upper' },
  p: { kind: 'text', value: (t) => (t.hour < 12 ? 'AM' : 'PM'), hash: 'lower' },
  P: { kind: 'text', value: (t) => (t.hour < 12 ? 'am' : 'pm'), lower: true },
  Z: { kind: 'text', value: (t) => t.zoneAbbreviation, hash: 'lower' },
  c: { kind: 'composite', format: '%a %b %e %H:%M:%S %Y' },
  x: { kind: 'composite', format: '%m/%d/%y' },
  D: { kind: 'composite', format: '%m/%d/%y' },
  X: { kind: 'composite', format: '%H:%M:%S' },
  T: { kind: 'composite', format: '%H:%M:%S' },
  r: { kind: 'composite', format: '%I:%M:%S %p' },
  R: { kind: 'composite', format: '%H:%M' },
  F: { kind: 'composite', format: '%Y-%m-%d' },
  d: num(2, '0', (t) => t.day),
  e: num(2, ' ', (t) => t.day),
  m: num(2, '0', (t) => t.month),
  y: num(2, '0', (t) => t.year % 100),
  Y: num(1, '0', (t) => t.year),
  C: num(2, '0', (t) => Math.floor(t.year / 100)),
  H: num(2, '0', (t) => t.hour),
  k: num(2, ' ', (t) => t.hour),
  I: num(2, '0', hour12),
  l: num(2, ' ', hour12),
  M: num(2, '0', (t) => t.minute),
  S: num(2, '0', (t) => t.second),
  j: num(3, '0', (t) => t.yearDay),
  w: num(1, '0', (t) => t.weekday),
  u: num(1, '0', (t) => (t.weekday === 0 ? 7 : t.weekday)),
  // Weeks that start on Sunday (%U) or Monday (%W); days before the first are week 0.
  U: num(2, '0', (t) => Math.floor((t.yearDay - 1 + 7 - t.weekday) / 7)),
  W: num(2, '0', (t) => Math.floor((t.yearDay - 1 + 7 - ((t.weekday + 6) % 7)) / 7)),
  // ISO 8601 weeks: week 1 holds the year's first Thursday, so Jan 1 can be in the last
  // week of the year before, and Dec 31 in week 1 of the next.
  V: num(2, '0', (t) => isoWeek(t).week),
  G: num(1, '0', (t) => isoWeek(t).year),
  g: num(2, '0', (t) => isoWeek(t).year % 100),
  s: num(1, '0', (t) => t.epochSeconds),
  z: { kind: 'offset' },
  n: { kind: 'literal', text: '\n' },
  t: { kind: 'literal', text: '\t' },
  '%': { kind: 'literal', text: '%' },
};

// The letters glibc accepts after E or O; with any other letter the sequence is copied as
// written. In the C locale the modifier changes nothing else.
const TAKES_E = new Set('cnprstuxyzCPRTXYZ%');
const TAKES_O = new Set('bdeghjklmnprstuwyzBCGHIMPRSTUVWZ%');
const FLAGS = new Set('-_0^#');

/** Formats `t` as Python's `time.strftime(format, t)` does on Linux in the C locale. */
export function strftime(format: string, t: TimeFields): string {
  let out = '';
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent === -1) return out + format.slice(i);
    out += format.slice(i, percent);

    let j = percent + 1;
    let pad: Pad | undefined;
    let upper = false;
    let swapCase = false;
    while (j < format.length && FLAGS.has(format[j] as string)) {
      const flag = format[j++];
      if (flag === '^') upper = true;
      else if (flag === '#') swapCase = true;
      else pad = flag === '-' ? '' : flag === '_' ? ' ' : '0';
    }
    if (/[1-9]/.test(format[j] ?? '')) {
      const width = /^[0-9]+.?/.exec(format.slice(j))?.[0] ?? '';
      const shown = format.slice(percent, j) + width;
      throw new FormatError(`field widths such as ${shown} are not supported`);
    }
    let modifier = '';
    if (format[j] === 'E' || format[j] === 'O') modifier = format[j++] as string;
    const letter = format[j];
    const directive = letter === undefined ? undefined : DIRECTIVES[letter];
    const allowed = modifier === '' || (modifier === 'E' ? TAKES_E : TAKES_O).has(letter ?? '');
    i = j + 1;
    if (!directive || !allowed) {
      // Unknown: copied as written, like glibc, which even applies ^ to the copy (and #,
      // for %#Eb and %#Eh, because it reads # before it checks the modifier of b and h).
      const copy = format.slice(percent, i);
      const shout = upper || (swapCase && modifier === 'E' && (letter === 'b' || letter === 'h'));
      out += shout ? upperEach(copy) : copy;
      continue;
    }
    out += expand(directive, t, pad, upper, swapCase);
  }
  return out;
}

function expand(d: Directive, t: TimeFields, pad: Pad | undefined, upper: boolean, swap: boolean) {
  switch (d.kind) {
    case 'number': {
      const digits = String(d.value(t));
      const fill = pad ?? d.pad;
      return fill === '' ? digits : digits.padStart(d.width, fill);
    }
    case 'text': {
      const text = d.value(t);
      if (d.lower || (swap && d.hash === 'lower')) return text.toLowerCase();
      return upper || (swap && d.hash === 'upper') ? text.toUpperCase() : text;
    }
    case 'composite': {
      const text = strftime(d.format, t); // flags other than ^ do not reach the parts
      return upper ? text.toUpperCase() : text;
    }
    case 'literal':
      return d.text;
    case 'offset': {
      // +hhmm, the hhmm padded as one number: %-z of -05:00 is "-500", %_z is "- 500".
      const minutes = Math.floor(Math.abs(t.utcOffsetSeconds) / 60);
      const hhmm = String(Math.floor(minutes / 60) * 100 + (minutes % 60));
      const fill = pad ?? '0';
      return (t.utcOffsetSeconds < 0 ? '-' : '+') + (fill === '' ? hhmm : hhmm.padStart(4, fill));
    }
  }
}

/**
 * Upper case one character at a time, as C's towupper() does: a character with no
 * single-character capital (ß) stays as it is, where JavaScript would write "SS".
 */
function upperEach(text: string): string {
  let out = '';
  for (const ch of text) {
    const up = ch.toUpperCase();
    out += [...up].length === 1 ? up : ch;
  }
  return out;
}

/** ISO 8601 week number and the year it belongs to. */
export function isoWeek(t: Pick<TimeFields, 'year' | 'yearDay' | 'weekday'>): {
  year: number;
  week: number;
} {
  const isoDay = t.weekday === 0 ? 7 : t.weekday; // Monday 1 … Sunday 7
  const week = Math.floor((t.yearDay - isoDay + 10) / 7);
  if (week < 1) return { year: t.year - 1, week: weeksIn(t.year - 1) };
  if (week > weeksIn(t.year)) return { year: t.year + 1, week: 1 };
  return { year: t.year, week };
}

/** 53 when the year starts on a Thursday, or is a leap year starting on a Wednesday. */
function weeksIn(year: number): number {
  const p = (y: number) => (y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400)) % 7;
  return p(year) === 4 || p(year - 1) === 3 ? 53 : 52;
}
