// What the bytes of udp-time mean, for both sides. It is seed 002's protocol, unchanged, so
// the seed's Python programs and ours talk to each other:
//
//   question: one datagram, a Python strftime format in UTF-8     "%H:%M"  25 48 3a 25 4d
//             (an empty datagram, 0 bytes, asks for DEFAULT_FORMAT)
//   answer:   one datagram, the time now in that format, in UTF-8  "12:10"  31 32 3a 31 30
//             or a short line `error: <why>` when ours refuses the question
//
// No length prefix, no request id: a datagram arrives whole or not at all, so it is its own
// frame; and an answer cannot be matched to its question by content (any text is a possible
// time), which is why the client asks from a fresh port after a loss (see src/client.ts).

/** What an empty question asks for: the seed's default, `2026-11-22 12:10:57`. */
export const DEFAULT_FORMAT = '%Y-%m-%d %X';

/** How ours says no. The seed's server has no such answer: it raises, and stops. */
const ERROR_PREFIX = 'error: ';

/** The answer for a question the server refuses: `error: format too long (…)`. */
export function errorAnswer(why: string): string {
  return `${ERROR_PREFIX}${why}`;
}

/** Whether an answer is a refusal rather than a time. */
export function isErrorAnswer(text: string): boolean {
  return text.startsWith(ERROR_PREFIX);
}
