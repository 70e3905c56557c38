// What the proxy did, as events: one per decision (a drop, a copy, a delay, a cut), plus one
// per datagram or write it passed on. The counters of the summary are a fold over these
// events, so the summary, the --trace lines and the in-process `onEvent` hook always agree.
// Formatting is pure, so the lines learners and tests grep stay stable:
//   drop #17 client→server 64 B (client 1)
//   delay #3 client→server 64 B 0.103 s (client 1)
//   cut after 1000 B client→server: reset both connections (client 1)
import { DIRECTIONS, type Direction } from './faults.js';

/** Which datagram or read (`n`, counted from 1 per client and direction), and its size. */
interface Where {
  client: number;
  direction: Direction;
  n: number;
  bytes: number;
}

/** One thing the proxy did. Only `forward` and `receive` are not printed by --trace. */
export type ProxyEvent =
  | ({ kind: 'receive' } & Where)
  | ({ kind: 'forward' } & Where)
  | ({ kind: 'drop'; reason: 'loss' | 'queue full' } & Where)
  | ({ kind: 'duplicate' } & Where)
  | ({ kind: 'reorder' } & Where)
  | ({ kind: 'corrupt'; bit: number } & Where)
  | ({ kind: 'delay'; ms: number } & Where)
  | ({ kind: 'split'; writes: number } & Where)
  | { kind: 'cut'; client: number; bytes: number }
  | { kind: 'stall'; client: number; bytes: number };

/** What happened in one direction, summed over every client. */
export interface DirectionCounters {
  /** Datagrams (UDP) or reads (TCP) that came in. */
  received: number;
  /** Datagrams or writes passed on (duplicates not counted). */
  forwarded: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  /** Bytes passed on, duplicates included. */
  bytes: number;
}

export type Counters = Record<Direction, DirectionCounters>;

/** Counters at zero, both directions. */
export function emptyCounters(): Counters {
  const zero = (): DirectionCounters => ({
    received: 0,
    forwarded: 0,
    dropped: 0,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    bytes: 0,
  });
  return { 'client→server': zero(), 'server→client': zero() };
}

/** Adds one event to the counters (in place). */
export function count(counters: Counters, event: ProxyEvent): void {
  if (!('direction' in event)) return;
  const c = counters[event.direction];
  switch (event.kind) {
    case 'receive':
      c.received += 1;
      break;
    case 'forward':
      c.forwarded += 1;
      c.bytes += event.bytes;
      break;
    case 'drop':
      c.dropped += 1;
      break;
    case 'duplicate':
      c.duplicated += 1;
      c.bytes += event.bytes;
      break;
    case 'reorder':
      c.reordered += 1;
      break;
    case 'corrupt':
      c.corrupted += 1;
      break;
  }
}

/** The --trace line for an event, or null for the ones not worth a line (receive, forward). */
export function formatEvent(event: ProxyEvent): string | null {
  const who = `(client ${event.client})`;
  switch (event.kind) {
    case 'receive':
    case 'forward':
      return null;
    case 'cut':
      return `cut after ${event.bytes} B client→server: reset both connections ${who}`;
    case 'stall':
      return `stall after ${event.bytes} B client→server: forwarding nothing more ${who}`;
  }
  const what = `#${event.n} ${event.direction} ${event.bytes} B`;
  switch (event.kind) {
    case 'drop':
      return `drop ${what}${event.reason === 'queue full' ? ': queue full' : ''} ${who}`;
    case 'duplicate':
      return `duplicate ${what} ${who}`;
    case 'reorder':
      return `reorder ${what}: held for the next one ${who}`;
    case 'corrupt':
      return `corrupt ${what}: bit ${event.bit} flipped ${who}`;
    case 'delay':
      return `delay ${what} ${(event.ms / 1000).toFixed(3)} s ${who}`;
    case 'split':
      return `split ${what} into ${event.writes} writes ${who}`;
  }
}

/**
 * The summary printed on exit: one line per direction.
 *   client→server: 1400 forwarded, 600 dropped, 0 duplicated, 0 reordered, 0 corrupted, 89600 B
 */
export function formatSummary(counters: Counters, seed: number): string[] {
  return [
    `summary (seed ${seed}):`,
    ...DIRECTIONS.map((d) => {
      const c = counters[d];
      return (
        `  ${d}: ${c.forwarded} forwarded, ${c.dropped} dropped, ${c.duplicated} duplicated, ` +
        `${c.reordered} reordered, ${c.corrupted} corrupted, ${c.bytes} B`
      );
    }),
  ];
}

/**
 * Where a proxy reports its events: counts each, hands it to `onEvent`, and with `trace`
 * logs its line. Also carries the log for the connection lines.
 */
export class Tally {
  readonly counters = emptyCounters();

  constructor(
    private readonly opts: {
      log?: ((line: string) => void) | null;
      trace?: boolean;
      onEvent?: ((event: ProxyEvent) => void) | null;
    } = {},
  ) {}

  /** Counts the event, then traces and reports it. */
  readonly record = (event: ProxyEvent): void => {
    count(this.counters, event);
    if (this.opts.trace && this.opts.log) {
      const line = formatEvent(event);
      if (line !== null) this.opts.log(line);
    }
    this.opts.onEvent?.(event);
  };

  /** A connection line (`client 1 connected from …`), if there is a log. */
  readonly log = (line: string): void => {
    this.opts.log?.(line);
  };
}
