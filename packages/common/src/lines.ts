// Line input for clients: an interactive prompt when a person types (stdin is a TTY), and
// plain lines until end of input when a program pipes them in, so every client can be
// scripted: `printf 'a\nb\nexit\n' | pnpm --filter tcp-echo client`.
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export interface LineInputOptions {
  /** Shown before each line on a TTY, e.g. `>> `. Not shown when input is piped. */
  prompt?: string;
  input?: Readable & { isTTY?: boolean };
  output?: Writable;
}

/**
 * Yields each line of input without its line ending (`\n` or `\r\n`), until end of input
 * (Ctrl+D, or the end of a pipe). On a TTY the prompt is shown again only after the caller
 * has handled the previous line, so answers print before the next prompt. Ctrl+C at the
 * prompt is turned into a real SIGINT, so the program's shutdown handler runs.
 */
export async function* readLines(opts: LineInputOptions = {}): AsyncGenerator<string> {
  const input = opts.input ?? process.stdin;
  const tty = input.isTTY === true;
  const rl = readline.createInterface({
    input,
    output: tty ? (opts.output ?? process.stdout) : undefined,
    terminal: tty,
    crlfDelay: Number.POSITIVE_INFINITY, // treat \r\n as one line ending, however it is split
  });
  // readline swallows Ctrl+C on a TTY (it only pauses); pass it on as the signal it is.
  rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
  const lines = rl[Symbol.asyncIterator]();
  try {
    while (true) {
      if (tty && opts.prompt !== undefined) {
        rl.setPrompt(opts.prompt);
        rl.prompt();
      }
      const next = await lines.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    rl.close();
  }
}
