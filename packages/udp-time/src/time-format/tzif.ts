// The tz database's own file format, TZif (RFC 8536), read for one thing: the abbreviation
// glibc prints for %Z at a given instant (CST, EDT, +08). A TZif file lists transition times,
// the local time type each one starts (offset, daylight saving or not, abbreviation), and
// ends with a POSIX TZ string such as `EST5EDT,M3.2.0,M11.1.0` for the times after the last
// transition. In "slim" files, the tz tools' default since 2020, the list stops at the last
// rule change (2007 for New York) and that string covers the rest.
import { readFileSync } from 'node:fs';

interface LocalTimeType {
  utoff: number;
  abbreviation: string;
}

/**
 * The names in a TZif file (RFC 8536): transition times, the local time type each one
 * starts, and a POSIX TZ string (the "footer", e.g. `EST5EDT,M3.2.0,M11.1.0`) for times
 * after the last transition.
 */
export class ZoneNames {
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

export function readZoneNames(file: string): ZoneNames | null {
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
