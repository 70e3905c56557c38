// Support: sizes and rates as people read them. Sizes use powers of 1024 (as --max-size 10M does);
// rates use MB/s (10^6 bytes a second), the unit of most network benchmarks.

/** `900 B`, `64.0 KiB`, `1.5 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `705 MB/s` (or `-` when no time has passed). */
export function formatRate(bytes: number, seconds: number): string {
  if (seconds <= 0) return '-';
  const mb = bytes / 1e6 / seconds;
  return `${mb >= 100 ? mb.toFixed(0) : mb.toFixed(1)} MB/s`;
}

/** A file-system error as one short phrase: `no space left on device (ENOSPC)`. */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const m = /^(E[A-Z]+): ([^,]+)/.exec(e?.message ?? '');
  return m ? `${m[2]} (${m[1]})` : (e?.message ?? String(err));
}
