// The command line of `pnpm --filter fault-proxy start`: its flags, and how their text becomes
// the options of startFaultProxy. Kept apart from src/bin/start.ts so that the checks (a P
// outside 0..1, --split 0, a UDP fault on a TCP proxy) are plain functions, tested as such.
import { type ParsedCli, toBytes, toInteger, toMilliseconds, UsageError } from '@socket-lab/common';
import type { FaultProxyOptions } from './fault-proxy.js';
import { type Faults, NO_FAULTS } from './faults.js';
import { parseHostPort } from './host-port.js';
import { IDLE_TIMEOUT_MS } from './udp-proxy.js';

/**
 * 8889: one above the echo servers' 8888 (tcp-echo, udp-echo), so the proxy sits in front
 * of them with the ports side by side: client → 8889 → 8888.
 */
export const DEFAULT_PORT = 8889;

const probability = (what: string) =>
  ({ type: 'string', valueName: 'P', default: '0', description: what }) as const;

export const START_SPEC = {
  usage: 'pnpm --filter fault-proxy start',
  role: 'server',
  summary:
    'A TCP or UDP proxy that forwards everything to --to, both ways, and misbehaves on demand.',
  defaultPort: DEFAULT_PORT,
  flags: {
    to: {
      type: 'string',
      valueName: 'HOST:PORT',
      description: 'the server to forward to (required), e.g. 127.0.0.1:8888 or [::1]:8888',
    },
    udp: { type: 'boolean', description: 'proxy UDP datagrams instead of TCP connections' },
    loss: probability('UDP: drop each datagram with probability P (0.3 or 30%)'),
    duplicate: probability('UDP: send a datagram twice, with probability P'),
    reorder: probability('UDP: hold a datagram back and send it after the next one'),
    corrupt: probability('UDP: flip one random bit of a datagram'),
    delay: {
      type: 'string',
      valueName: 'SECONDS',
      default: '0',
      description: 'hold each datagram, or each byte (TCP, in order), this long',
    },
    jitter: {
      type: 'string',
      valueName: 'SECONDS',
      default: '0',
      description: 'UDP: vary each delay by up to ± this much (datagrams may swap)',
    },
    rate: {
      type: 'string',
      valueName: 'BYTES',
      default: '0',
      description: 'TCP: at most BYTES a second each way (K, M suffixes); 0 = no limit',
    },
    split: {
      type: 'string',
      valueName: 'N',
      description: 'TCP: forward in writes of at most N bytes, a short pause between (off)',
    },
    'cut-after': {
      type: 'string',
      valueName: 'BYTES',
      description: 'TCP: after BYTES client → server, reset both connections (off)',
    },
    'stall-after': {
      type: 'string',
      valueName: 'BYTES',
      description: 'TCP: after BYTES client → server, forward nothing more, keep both open (off)',
    },
    seed: {
      type: 'string',
      valueName: 'N',
      description: 'seed of the random decisions, to replay a run (default: drawn and printed)',
    },
    trace: { type: 'boolean', description: 'log each decision: drop #17 client→server 64 B' },
    'idle-timeout': {
      type: 'string',
      valueName: 'SECONDS',
      default: String(IDLE_TIMEOUT_MS / 1000),
      description:
        'UDP: forget a client silent this long; TCP: reset a stalled pair after it; 0 = never',
    },
  },
  notes: [
    'P is a probability, 0.3 or 30%; sizes take K, M, G; durations are seconds.',
    'try it: pnpm --filter tcp-echo start, then',
    '        pnpm --filter fault-proxy start --to 127.0.0.1:8888 --split 3 --trace',
    '        nc 127.0.0.1 8889',
  ],
} as const;

type StartFlags = ParsedCli<typeof START_SPEC.flags>['flags'];

/** The options of startFaultProxy for a parsed command line. Throws UsageError. */
export function optionsFromFlags(
  host: string,
  port: number,
  flags: StartFlags,
): FaultProxyOptions & { to: { host: string; port: number } } {
  if (flags.to === undefined) {
    throw new UsageError('--to HOST:PORT is required: the server to forward to');
  }
  const optional = (text: string | undefined, parse: (t: string) => number) =>
    text === undefined ? null : parse(text);
  const faults: Faults = {
    ...NO_FAULTS,
    loss: toProbability(flags.loss, '--loss'),
    duplicate: toProbability(flags.duplicate, '--duplicate'),
    reorder: toProbability(flags.reorder, '--reorder'),
    corrupt: toProbability(flags.corrupt, '--corrupt'),
    delayMs: toMilliseconds(flags.delay, '--delay'),
    jitterMs: toMilliseconds(flags.jitter, '--jitter'),
    rateBytesPerSecond: toBytes(flags.rate, '--rate'),
    splitBytes: optional(flags.split, (t) => toInteger(t, '--split', 1, 1 << 30)) ?? 0,
    cutAfterBytes: optional(flags['cut-after'], (t) => toBytes(t, '--cut-after')),
    stallAfterBytes: optional(flags['stall-after'], (t) => toBytes(t, '--stall-after')),
  };
  checkProtocol(faults, flags.udp);
  const seed = optional(flags.seed, (t) => toInteger(t, '--seed', 0, 2 ** 32 - 1));
  return {
    to: parseHostPort(flags.to),
    host,
    port,
    udp: flags.udp,
    faults,
    ...(seed === null ? {} : { seed }),
    idleTimeoutMs: toMilliseconds(flags['idle-timeout'], '--idle-timeout'),
    trace: flags.trace,
  };
}

/** A probability: `0.3` or `30%`, from 0 to 1. Throws UsageError naming `flag`. */
export function toProbability(text: string, flag: string): number {
  const t = text.trim();
  const percent = t.endsWith('%');
  const digits = percent ? t.slice(0, -1).trim() : t;
  const n = /^(\d+(\.\d*)?|\.\d+)$/.test(digits) ? Number(digits) / (percent ? 100 : 1) : NaN;
  if (!(n >= 0 && n <= 1)) {
    throw new UsageError(
      `${flag} must be a probability from 0 to 1, such as 0.3 or 30% (got "${text}")`,
    );
  }
  return n;
}

// The TCP faults have no meaning for datagrams, and the UDP ones none for a byte stream
// (TCP would retransmit a lost segment, hide a duplicate, reorder nothing): refuse them.
function checkProtocol(faults: Faults, udp: boolean): void {
  const udpOnly: [string, boolean][] = [
    ['--loss', faults.loss > 0],
    ['--duplicate', faults.duplicate > 0],
    ['--reorder', faults.reorder > 0],
    ['--corrupt', faults.corrupt > 0],
    ['--jitter', faults.jitterMs > 0],
  ];
  const tcpOnly: [string, boolean][] = [
    ['--rate', faults.rateBytesPerSecond > 0],
    ['--split', faults.splitBytes > 0],
    ['--cut-after', faults.cutAfterBytes !== null],
    ['--stall-after', faults.stallAfterBytes !== null],
  ];
  const wrong = (udp ? tcpOnly : udpOnly).find(([, given]) => given);
  if (wrong) {
    throw new UsageError(
      udp
        ? `${wrong[0]} is a TCP fault (leave out --udp)`
        : `${wrong[0]} is a UDP fault (add --udp)`,
    );
  }
  if (faults.cutAfterBytes !== null && faults.stallAfterBytes !== null) {
    throw new UsageError('--cut-after and --stall-after do not go together');
  }
}

export { parseHostPort };
