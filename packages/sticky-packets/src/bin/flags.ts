// The flags start.ts and client.ts share: --framing and --udp, which must agree on both sides
// (the receiver decodes what the sender framed), and the check that they go together.
import { choiceFlag, toChoice, UsageError } from '@socket-lab/common';
import { FRAMINGS, type Framing } from '../protocol.js';

/**
 * The `--framing` and `--udp` flags, to spread into a CliSpec's `flags`. `words` finish the
 * help lines, which say what each framing means on this side.
 */
export function framingFlags(words: { none: string; line: string; udp: string }) {
  return {
    framing: choiceFlag(
      FRAMINGS,
      'none',
      `none: ${words.none}; length: 4-byte big-endian length first; line: ${words.line}`,
    ),
    udp: { type: 'boolean', description: words.udp },
  } as const;
}

/** The framing asked for; a UsageError for a framing with --udp, where it means nothing. */
export function readFraming(flags: { framing: string; udp: boolean }): Framing {
  const framing = toChoice(flags.framing, '--framing', FRAMINGS);
  if (flags.udp && framing !== 'none') {
    throw new UsageError('--framing is for TCP: over UDP each datagram is already one message');
  }
  return framing;
}
