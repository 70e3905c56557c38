// Time zones as C's localtime() sees them, which is what Python's time.strftime formats.
// Two sources: Intl (the IANA rules built into Node) gives the UTC offset at any instant,
// and the system's tz database file (/usr/share/zoneinfo/<zone>, the file glibc reads)
// gives the abbreviation for %Z. Intl alone would not do: it calls Asia/Shanghai "GMT+8",
// where glibc, and so Python, print "CST".
import type { TimeFields } from './strftime.js';
import { readZoneNames, type ZoneNames } from './tzif.js';

const ZONEINFO = '/usr/share/zoneinfo';

/** A zone we can turn instants into wall-clock fields in. */
export class TimeZone {
  private readonly clock: Intl.DateTimeFormat;
  private readonly names: ZoneNames | null;
  /** The last second asked for: a busy server asks for the same one thousands of times. */
  private last: Readonly<TimeFields> | undefined;

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

  /**
   * The broken-down local time at `epochMs`, as localtime() fills `struct tm`. Nothing in a
   * format reads below the second, so the fields of the last second asked for are kept and
   * given again (frozen): working out the offset through Intl is most of a request's cost.
   */
  fieldsAt(epochMs: number): Readonly<TimeFields> {
    const epochSeconds = Math.floor(epochMs / 1000);
    if (this.last?.epochSeconds === epochSeconds) return this.last;
    this.last = Object.freeze(this.computeFields(epochSeconds));
    return this.last;
  }

  private computeFields(epochSeconds: number): TimeFields {
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
