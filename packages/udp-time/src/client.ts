// The UDP time client (seed 002): read a format, send it as one datagram, print the answer.
// Like the echo client, it waits `--timeout` seconds and sends again up to `--retries` times,
// because a datagram or its answer can vanish without a word. The seed's client waited in
// recv(1024) forever. An answer cannot be checked against the question here (any text is a
// possible time), so the client takes the first datagram from the server's address and
// sends from a new port after a loss, where a late answer to an old question cannot reach it.
// Run: pnpm --filter udp-time client      (with `pnpm --filter udp-time start` running)
import { previewBytes } from '@socket-lab/common';
import { type UdpEvent, UdpRequester } from '@socket-lab/common/udp-request';

export const TIMEOUT_MS = 1000;
export const RETRIES = 2;
/** The seed's prompt, in English. */
export const PROMPT = 'time format (e.g. %Y %m %d)>> ';

export interface TimeClientOptions {
  host: string;
  port: number;
  /** The formats to ask for, one per line; an empty line asks for the server's default. */
  formats: AsyncIterable<string>;
  timeoutMs?: number;
  retries?: number;
  /** Where answers go (stdout in the CLI). */
  out?: (line: string) => void;
  /** Where retries, ignored datagrams and losses go (stderr in the CLI). */
  note?: (line: string) => void;
  /** Called once the socket is open, so Ctrl+C can close it. */
  opened?: (requester: UdpRequester) => void;
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
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const retries = opts.retries ?? RETRIES;
  const requester = await UdpRequester.open(opts.host, opts.port, (e) => note(describeEvent(e)));
  opts.opened?.(requester);
  const result: TimeClientResult = { asked: 0, answered: 0, errors: 0, unanswered: 0 };
  try {
    for await (const format of opts.formats) {
      if (format.trim() === 'exit') break;
      result.asked += 1;
      let outcome: Awaited<ReturnType<UdpRequester['request']>>;
      try {
        outcome = await requester.request(Buffer.from(format), { timeoutMs, retries });
      } catch (err) {
        note((err as Error).message);
        result.unanswered += 1;
        continue;
      }
      if (!outcome.ok) {
        result.unanswered += 1;
        note(
          `no answer after ${outcome.tries} ${outcome.tries === 1 ? 'try' : 'tries'} of ${timeoutMs / 1000} s: ` +
            `lost on the way there or back, or nothing listens on ${requester.target}`,
        );
        continue;
      }
      result.answered += 1;
      const text = printable(outcome.answer);
      if (text.startsWith('error: ')) result.errors += 1;
      out(text);
    }
  } finally {
    await requester.close();
  }
  return result;
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

function describeEvent(event: UdpEvent): string {
  switch (event.kind) {
    case 'retry':
      return `no answer within ${event.timeoutMs / 1000} s, sending again (try ${event.attempt} of ${event.attempts})`;
    case 'ignored':
      return event.reason === 'foreign'
        ? `ignored ${event.data.length} bytes from ${event.from}: not the server`
        : `ignored ${event.data.length} bytes from ${event.from}: a late answer to an earlier question`;
    case 'socket-error':
      return `socket error: ${event.message}`;
  }
}
