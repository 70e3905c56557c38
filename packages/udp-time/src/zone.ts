// Time zones as C's localtime() sees them, which is what Python's time.strftime formats.
// Two sources: Intl (the IANA rules built into Node) gives the UTC offset at any instant,
// and the system's tz database file (/usr/share/zoneinfo/<zone>, the file glibc reads)
// gives the abbreviation for %Z. Intl alone would not do: it calls Asia/Shanghai "GMT+8",
// where glibc, and so Python, print "CST".
import { readFileSync } from 'node:fs';
import type { TimeFields } from './strftime.js';

const ZONEINFO = '/usr/share/zoneinfo';

/** A zone we can turn instants into wall-clock fields in. */
export class TimeZone {
  private readonly clock: Intl.DateTimeFormat;
  private readonly names: ZoneNames | null;

  private constructor(
    /** The IANA name, e.g. `Asia/Shanghai`, or `UTC`. */
    readonly name: string,
    files: string[],
  ) {
    // Throws a RangeError for a name that is not a zone.
    this.clock = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      ...{ year: 'numeric', month: 'numeric', day: 'numeric' },
      ...{ hour: 'numeric', minute: 'numeric', second: 'numeric' },
    });
    this.names = files.map(readZoneNames).find((n) => n !== null) ?? null;
  }

  /** An IANA zone such as `Asia/Shanghai`. Throws a RangeError if there is no such zone. */
  static named(name: string): TimeZone {
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions()
      .timeZone;
    // Intl has vetted the name, so it is safe in a path; try it as given, then Intl's spelling.
    return new TimeZone(name, [`${ZONEINFO}/${name}`, `${ZONEINFO}/${canonical}`]);
  }

  /** UTC, as Python prints it with TZ=UTC: %Z is `UTC`, %z `+0000`. */
  static utc(): TimeZone {
    return new TimeZone('UTC', [`${ZONEINFO}/UTC`]);
  }

  /** This machine's zone: $TZ, or /etc/localtime, as C and Python pick it. */
  static local(): TimeZone {
    const name = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return new TimeZone(name, [`${ZONEINFO}/${name}`, '/etc/localtime']);
  }

  /** The broken-down local time at `epochMs`, as localtime() fills `struct tm`. */
  fieldsAt(epochMs: number): TimeFields {
    const epochSeconds = Math.floor(epochMs / 1000);
    const utcOffsetSeconds = this.offsetAt(epochSeconds);
    // The wall clock is UTC shifted by the offset; read it with the UTC getters.
    const wall = new Date((epochSeconds + utcOffsetSeconds) * 1000);
    const year = wall.getUTCFullYear();
    const startOfYear = Date.UTC(year, 0, 1);
    const midnight = Date.UTC(year, wall.getUTCMonth(), wall.getUTCDate());
    return {
      year,
      month: wall.getUTCMonth() + 1,
      day: wall.getUTCDate(),
      hour: wall.getUTCHours(),
      minute: wall.getUTCMinutes(),
      second: wall.getUTCSeconds(),
      weekday: wall.getUTCDay(),
      yearDay: (midnight - startOfYear) / 86_400_000 + 1,
      utcOffsetSeconds,
      zoneAbbreviation: this.abbreviationAt(epochSeconds, utcOffsetSeconds),
      epochSeconds,
    };
  }

  /** Seconds east of UTC: the zone's wall clock read as if it were UTC, minus the instant. */
  private offsetAt(epochSeconds: number): number {
    const parts: Record<string, number> = {};
    for (const p of this.clock.formatToParts(new Date(epochSeconds * 1000))) {
      if (p.type !== 'literal') parts[p.type] = Number(p.value);
    }
    const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
    return Date.UTC(year, month - 1, day, hour, minute, second) / 1000 - epochSeconds;
  }

  private abbreviationAt(epochSeconds: number, offset: number): string {
    const names = this.names;
    if (names) {
      const fromFile = names.abbreviationAt(epochSeconds, offset);
      if (fromFile !== undefined) return fromFile;
    }
    return this.name === 'UTC' ? 'UTC' : numericAbbreviation(offset);
  }
}

/** `+08`, `-0330`: what tzdata itself uses for zones with no letters of their own. */
function numericAbbreviation(offset: number): string {
  const minutes = Math.abs(offset) / 60;
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = minutes % 60 === 0 ? '' : String(minutes % 60).padStart(2, '0');
  return `${offset < 0 ? '-' : '+'}${hh}${mm}`;
}

interface LocalTimeType {
  utoff: number;
  abbreviation: string;
}

/**
 * The names in a TZif file (RFC 8536): transition times, the local time type each one
 * starts, and a POSIX TZ string (the "footer", e.g. `EST5EDT,M3.2.0,M11.1.0`) for times
 * after the last transition.
 */
class ZoneNames {
  constructor(
    private readonly transitions: number[],
    private readonly typeAt: number[],
    private readonly types: LocalTimeType[],
    private readonly footer: LocalTimeType[],
  ) {}

  abbreviationAt(t: number, offset: number): string | undefined {
    // The last transition at or before t (binary search).
    let lo = 0;
    let hi = this.transitions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.transitions[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    const index = lo - 1;
    const afterLast = index === this.transitions.length - 1 && this.footer.length > 0;
    const candidates = afterLast
      ? this.footer
      : [this.types[index < 0 ? 0 : (this.typeAt[index] as number)] as LocalTimeType];
    // Trust the offset Intl computed; if the two databases disagree, any name with it will do.
    return (
      candidates.find((c) => c.utoff === offset)?.abbreviation ??
      this.types.findLast((c) => c.utoff === offset)?.abbreviation
    );
  }
}

function readZoneNames(file: string): ZoneNames | null {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return null;
  }
  if (buf.length < 44 || buf.toString('latin1', 0, 4) !== 'TZif') return null;
  const version = buf[4] ?? 0;
  const counts = (at: number) => {
    const n = (k: number) => buf.readUInt32BE(at + 20 + 4 * k);
    return { isut: n(0), isstd: n(1), leap: n(2), time: n(3), type: n(4), char: n(5) };
  };
  // Version 1 has 32-bit times; version 2+ repeats the data with 64-bit times after it.
  let c = counts(0);
  let at = 0;
  let wide = false;
  if (version >= 0x32) {
    at = 44 + c.time * 5 + c.type * 6 + c.char + c.leap * 8 + c.isstd + c.isut;
    c = counts(at);
    wide = true;
  }
  let p = at + 44;
  const transitions: number[] = [];
  for (let i = 0; i < c.time; i++, p += wide ? 8 : 4) {
    transitions.push(wide ? Number(buf.readBigInt64BE(p)) : buf.readInt32BE(p));
  }
  const typeAt = [...buf.subarray(p, p + c.time)];
  p += c.time;
  const chars = p + c.type * 6;
  const types: LocalTimeType[] = [];
  for (let i = 0; i < c.type; i++, p += 6) {
    const start = chars + (buf[p + 5] as number);
    const end = buf.indexOf(0, start);
    types.push({ utoff: buf.readInt32BE(p), abbreviation: buf.toString('latin1', start, end) });
  }
  p = chars + c.char + c.leap * (wide ? 12 : 8) + c.isstd + c.isut;
  const footer = wide ? parseTzString(buf.toString('latin1', p).split('\n')[1] ?? '') : [];
  return new ZoneNames(transitions, typeAt, types, footer);
}

/** The standard and daylight names of a POSIX TZ string such as `CST-8` or `<+08>-8`. */
function parseTzString(tz: string): LocalTimeType[] {
  const NAME = '(<[^>]*>|[A-Za-z]{3,})';
  const OFFSET = '([+-]?\\d{1,3}(?::\\d{1,2}){0,2})';
  const m = new RegExp(`^${NAME}${OFFSET}(?:${NAME}${OFFSET}?)?`).exec(tz);
  if (!m) return [];
  const name = (s: string) => s.replace(/^<|>$/g, '');
  // POSIX offsets are west of UTC ("EST5"); ours are east.
  const std = { abbreviation: name(m[1] as string), utoff: -seconds(m[2] as string) };
  if (!m[3]) return [std];
  const dstUtoff = m[4] ? -seconds(m[4]) : std.utoff + 3600;
  return [std, { abbreviation: name(m[3]), utoff: dstUtoff }];
}

function seconds(hms: string): number {
  const sign = hms.startsWith('-') ? -1 : 1;
  const [h = 0, m = 0, s = 0] = hms.replace(/^[+-]/, '').split(':').map(Number);
  return sign * (h * 3600 + m * 60 + s);
}
