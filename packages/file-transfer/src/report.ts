// Support: what the sender says about each file, as data (a FileReport, for the CLI and the
// tests) and as the one line a person reads. The message often holds the receiver's own words
// (a saved name, a reason), and a receiver can be hostile too: the line is made terminal-safe.
import type { ResultCode } from './protocol.js';
import { formatBytes, formatRate, terminalSafe } from './units.js';

/** What happened to one file. */
export interface FileReport {
  file: string;
  status: 'saved' | 'refused' | 'failed' | 'interrupted';
  /** The receiver's answer, when it gave one. */
  code?: ResultCode;
  message: string;
  size: number;
  resumedFrom: number;
  /** Bytes sent this time, and how long it took (offer to answer). */
  sentBytes: number;
  seconds: number;
  /** The digest the receiver verified (absent with --hash none, or when not saved). */
  digest?: Buffer;
}

/** A report for `file` before anything has happened to it. */
export function newReport(file: string): FileReport {
  return { file, status: 'failed', message: '', size: 0, resumedFrom: 0, sentBytes: 0, seconds: 0 };
}

/** One line per file, as the sender prints it, safe for a terminal. */
export function describeReport(r: FileReport): string {
  return terminalSafe(describe(r));
}

function describe(r: FileReport): string {
  switch (r.status) {
    case 'saved': {
      const check = r.digest ? 'verified by the receiver' : 'size checked only (--hash none)';
      // A rate means little for a small file: it is mostly the round trips.
      const rate = r.sentBytes >= 1024 * 1024 ? `, ${formatRate(r.sentBytes, r.seconds)}` : '';
      const resumed = r.resumedFrom > 0 ? `, resumed at ${formatBytes(r.resumedFrom)}` : '';
      return `${r.file}: saved as ${r.message}, ${check} (${formatBytes(r.size)} in ${r.seconds.toFixed(2)} s${rate}${resumed})`;
    }
    case 'refused':
      return `${r.file}: refused: ${r.message}`;
    case 'failed':
      return `${r.file}: failed: ${r.message}`;
    case 'interrupted':
      return `${r.file}: ${r.message}`;
  }
}
