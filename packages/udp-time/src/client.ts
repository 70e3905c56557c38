// The UDP time client (seed 002): read a format, send it as one datagram, print the answer.
// Like the echo client, it waits `--timeout` seconds and sends again up to `--retries` times,
// because a datagram or its answer can vanish without a word. The seed's client waited in
// recv(1024) forever. An answer cannot be checked against the question here (any text is a
// possible time), so the client takes the first datagram from the server's address and
// sends from a new port after a loss, where a late answer to an old question cannot reach it.
// That request loop is udp-echo's too (askEach, in common/src/udp-request.ts).
// Run: pnpm --filter udp-time client      (with `pnpm --filter udp-time start` running)
import { previewBytes } from '@socket-lab/common';
import { askEach, describeLoss, type UdpClientOptions } from '@socket-lab/common/udp-request';
import { isErrorAnswer } from './protocol.js';

/** The seed's prompt, in English. */
export const PROMPT = 'time format (e.g. %Y %m %d)>> ';

export interface TimeClientOptions extends UdpClientOptions {
  /** The formats to ask for, one per line; an empty line asks for the server's default. */
  formats: AsyncIterable<string>;
  /** Where answers go (stdout in the CLI). */
  out?: (line: string) => void;
}

export interface TimeClientResult {
  asked: number;
  answered: number;
  /** Answers that were `error: …` lines. */
  errors: number;
  unanswered: number;
}

/** Asks for each format in turn; a line `exit` stops without being sent. */
export async function runTimeClient(opts: TimeClientOptions): Promise<TimeClientResult> {
  const out = opts.out ?? console.log;
  const note = opts.note ?? console.error;
  const result: TimeClientResult = { asked: 0, answered: 0, errors: 0, unanswered: 0 };

  // Any datagram from the server's address answers the question now pending (askEach's
  // default). One that comes while nothing is pending is late: it answered an earlier one.
  const replies = askEach(questions(opts.formats), {
    ...opts,
    note,
    notTheAnswer: () => 'a late answer to an earlier question',
  });
  for await (const reply of replies) {
    result.asked += 1;
    if (reply.kind === 'answered') {
      result.answered += 1;
      const text = printable(reply.answer);
      if (isErrorAnswer(text)) result.errors += 1;
      out(text);
    } else if (reply.kind === 'lost') {
      // Silence: the question or its answer is gone, or nobody listens there.
      result.unanswered += 1;
      note(describeLoss(reply));
    } else {
      result.unanswered += 1;
      note(reply.message); // the OS would not send it
    }
  }
  return result;
}

/** Each line is one question, as it is (an empty one included); `exit` stops. */
async function* questions(formats: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const format of formats) {
    if (format.trim() === 'exit') return;
    yield Buffer.from(format);
  }
}

/**
 * The answer as text. %n and %t put newlines and tabs in on purpose, so those stay; other
 * control characters and bytes that are not UTF-8 are shown escaped, so a server (or an
 * impostor) cannot send escape sequences to our terminal.
 */
function printable(answer: Buffer): string {
  const text = answer.toString('utf8'); // bytes that are not UTF-8 become U+FFFD
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    const control = (c < 0x20 && c !== 0x0a && c !== 0x09) || (c >= 0x7f && c < 0xa0);
    if (control || c === 0xfffd) return previewBytes(answer, 1024);
  }
  return text;
}
