// How bytes and sizes are shown in the log lines. A preview shows both ends of a read,
// because that is where a merge shows: `1yyyy…yyyy2` is three writes in one read.
import { previewBytes } from '@socket-lab/common';

/** Bytes shown from the start and from the end of a long read. */
const HEAD_BYTES = 20;
const TAIL_BYTES = 10;

/**
 * A one-line preview: short data whole, long data as its first 20 and last 10 bytes with
 * `…` between. Control characters and invalid UTF-8 are escaped (see previewBytes).
 */
export function previewEnds(bytes: Uint8Array, head = HEAD_BYTES, tail = TAIL_BYTES): string {
  const all = Number.POSITIVE_INFINITY;
  if (bytes.length <= head + tail + 1) return previewBytes(bytes, all);
  return `${previewBytes(bytes.subarray(0, head), all)}…${previewBytes(bytes.subarray(-tail), all)}`;
}

/** `label`, then two spaces and the preview of `bytes` (nothing for no bytes). */
export function withPreview(label: string, bytes: Uint8Array): string {
  return bytes.length === 0 ? label : `${label}  ${previewEnds(bytes)}`;
}

/** `1 byte`, `17 bytes`. */
export function bytesLabel(n: number): string {
  return counted(n, 'byte');
}

/** `1 read`, `6 reads`: a count and its noun, plural unless the count is 1. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
