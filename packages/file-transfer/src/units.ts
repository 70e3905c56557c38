// Support: sizes, rates and a peer's words as people read them. Sizes use powers of 1024 (as
// --max-size 10M does); rates use MB/s (10^6 bytes a second), the unit of most network
// benchmarks. Text from a peer goes through common's safeText before it reaches a terminal.
import { isUnsafeForTerminal, safeText } from '@socket-lab/common';

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

/**
 * A peer's string (a file name, a reason) in double quotes for a log line: every character
 * that could drive or mislead a terminal escaped (common's safeText), and `"` as `\"`.
 */
export function quoted(text: string): string {
  return `"${safeText(text).replaceAll('"', '\\"')}"`;
}

/**
 * A whole log line made safe for a terminal: only the characters isUnsafeForTerminal names are
 * escaped (as safeText writes them), so a line that is already safe comes back unchanged. The
 * last guard, for whatever text from a peer a message forgot to quote.
 */
export function terminalSafe(line: string): string {
  let out = '';
  for (const ch of line) out += isUnsafeForTerminal(ch.codePointAt(0) ?? 0) ? safeText(ch) : ch;
  return out;
}
