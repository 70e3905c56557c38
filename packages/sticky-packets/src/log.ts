// Support: what each side reports, as data, and the line the programs print for it. The
// receiver and the senders only report events; the CLI prints them with the functions
// here, and the demo and the tests read the events themselves. A preview shows both ends
// of a read, because that is where a merge shows: `1yyyy…yyyy2` is three writes in one read.
// What a peer sent is never printed as is: previewBytes escapes control characters, bidi
// overrides and zero-width characters, so a hostile message cannot drive the terminal.
import { previewBytes, safeText } from '@socket-lab/common';

/** What the TCP receiver saw, one event per connection, read, message, error. */
export type ReceiverEvent =
  | { type: 'connected'; conn: number; peer: string }
  /** `offset`: where this read starts in the stream; `heldBytes`: what the decoder keeps. */
  | { type: 'read'; conn: number; index: number; data: Buffer; offset: number; heldBytes: number }
  | { type: 'message'; conn: number; index: number; data: Buffer }
  | { type: 'closed'; conn: number; reads: number; bytes: number; messages: number | undefined }
  | { type: 'error'; conn: number; message: string }
  /** A limit (src/limits.ts) refused or ended the connection; `grace`: it was destroyed. */
  | { type: 'limit'; conn: number; limit: ReceiverLimit; message: string };

/** The limits of src/limits.ts, by flag; `grace` is the deadline after a peer is told. */
export type ReceiverLimit = 'max-clients' | 'idle-timeout' | 'max-buffered' | 'grace';

/** What a sender did, over TCP or UDP. */
export type SenderEvent =
  | { type: 'connected'; to: string }
  /** `wireBytes`: the payload plus its framing (4-byte length or `\n`). */
  | { type: 'write'; index: number; payload: Buffer; wireBytes: number }
  | { type: 'done'; writes: number; bytes: number };

/** What the UDP receiver saw. */
export type DatagramEvent =
  /** `size`: the whole datagram; `kept`: what recvfrom(readBytes) would return. */
  | { type: 'datagram'; index: number; from: string; size: number; kept: Buffer }
  | { type: 'dropped'; from: string; size: number; queued: number };

/** Bytes shown from the start and from the end of a long read. */
const HEAD_BYTES = 20;
const TAIL_BYTES = 10;

/** The line `start` prints for a TCP receiver's event. */
export function formatReceiverEvent(event: ReceiverEvent): string {
  const tag = `[${event.conn}]`;
  switch (event.type) {
    case 'connected':
      return `${tag} connected from ${event.peer}`;
    case 'read': {
      const held =
        event.heldBytes > 0
          ? `  (holding ${bytesLabel(event.heldBytes)} of an unfinished message)`
          : '';
      return `${withPreview(`${tag} read ${event.index}: ${bytesLabel(event.data.length)}`, event.data)}${held}`;
    }
    case 'message':
      return withPreview(
        `${tag}   message ${event.index}: ${bytesLabel(event.data.length)}`,
        event.data,
      );
    case 'closed': {
      const reads = counted(event.reads, 'read');
      const what =
        event.messages === undefined ? reads : `${counted(event.messages, 'message')} in ${reads}`;
      return `${tag} closed: ${what}, ${bytesLabel(event.bytes)}`;
    }
    // Errors and limits quote no peer text today; safeText keeps it so if one ever does.
    case 'error':
      return `${tag} ${safeText(event.message)}`;
    case 'limit':
      return `${tag} ${safeText(event.message)} (--${event.limit})`;
  }
}

/** The line `client` prints for a TCP sender's event. */
export function formatSenderEvent(event: SenderEvent): string {
  switch (event.type) {
    case 'connected':
      return `connected to ${event.to}`;
    case 'write': {
      const framed =
        event.wireBytes === event.payload.length
          ? ''
          : ` (${bytesLabel(event.payload.length)} + ${event.wireBytes - event.payload.length} of framing)`;
      return withPreview(
        `write ${event.index}: ${bytesLabel(event.wireBytes)}${framed}`,
        event.payload,
      );
    }
    case 'done':
      return `sent ${counted(event.writes, 'write')}, ${bytesLabel(event.bytes)}; closed`;
  }
}

/** The line `client --udp` prints for a datagram sent. */
export function formatSendtoEvent(event: SenderEvent): string {
  switch (event.type) {
    case 'connected':
      return `sending to ${event.to} (no connection: each sendto() names the address)`;
    case 'write':
      return withPreview(
        `sendto ${event.index}: ${bytesLabel(event.payload.length)}`,
        event.payload,
      );
    case 'done':
      return `sent ${counted(event.writes, 'datagram')}, ${bytesLabel(event.bytes)}`;
  }
}

/** The line `start --udp` prints for a datagram received or dropped. */
export function formatDatagramEvent(event: DatagramEvent): string {
  if (event.type === 'dropped') {
    return `dropped a ${bytesLabel(event.size)} datagram from ${event.from}: ${event.queued} already waiting`;
  }
  const { index, from, size, kept } = event;
  const cut =
    kept.length < size
      ? `; recvfrom(${kept.length}) keeps ${kept.length}, drops ${size - kept.length}`
      : '';
  return withPreview(`datagram ${index} from ${from}: ${bytesLabel(size)}${cut}`, kept);
}

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
function withPreview(label: string, bytes: Uint8Array): string {
  return bytes.length === 0 ? label : `${label}  ${previewEnds(bytes)}`;
}

/** `1 byte`, `17 bytes`. */
function bytesLabel(n: number): string {
  return counted(n, 'byte');
}

/** `1 read`, `6 reads`: a count and its noun, plural unless the count is 1. */
function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
