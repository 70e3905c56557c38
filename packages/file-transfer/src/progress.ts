// Support: progress for people. On a terminal, a bar that redraws in place (cli-progress): bytes,
// rate, time left. Piped into a file or a CI log, a redrawn bar is a mess of carriage
// returns, so there we print a plain line at each quarter of a large file instead.
import type { SingleBar } from 'cli-progress';
import { formatBytes, formatRate } from './units.js';

/** Files smaller than this get no plain progress lines, only their result. */
export const PLAIN_PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

/** 0.1 s: no rate before this: the first chunk alone, in no time at all, would claim a huge one. */
const BAR_SETTLE_SECONDS = 0.1;

/** What the sender reports after each chunk (see SendOptions.onProgress). */
export interface ProgressEvent {
  file: string;
  done: number;
  size: number;
  resumedFrom: number;
}

export interface ProgressDisplay {
  update(p: ProgressEvent): void;
  /** Stops the current bar, so the next line prints below it. */
  finish(): void;
}

/**
 * A bar on `stream` when it is a TTY, otherwise quarter lines through `log`. cli-progress is
 * loaded only for a terminal: it adds to the memory of the process, and a pipe has no use for it.
 */
export async function createProgressDisplay(
  stream: NodeJS.WriteStream,
  log: (line: string) => void,
): Promise<ProgressDisplay> {
  if (!stream.isTTY) return plainDisplay(log);
  const { default: cliProgress } = await import('cli-progress');
  return barDisplay(stream, (options) => new cliProgress.SingleBar(options));
}

function barDisplay(
  stream: NodeJS.WriteStream,
  createBar: (options: ConstructorParameters<typeof SingleBar>[0]) => SingleBar,
): ProgressDisplay {
  let bar: SingleBar | undefined;
  let current = '';
  let began = 0;
  return {
    update(p) {
      if (!bar || current !== p.file) {
        bar?.stop();
        current = p.file;
        began = performance.now();
        bar = createBar({
          stream,
          format: '{file} [{bar}] {percentage}% | {bytes} | {rate} | eta {left}',
          barsize: 24,
          hideCursor: true,
          fps: 10,
        });
        bar.start(p.size, p.done, { file: p.file, ...figures(p, began, BAR_SETTLE_SECONDS) });
      }
      bar.update(p.done, figures(p, began, BAR_SETTLE_SECONDS));
    },
    finish() {
      bar?.stop();
      bar = undefined;
    },
  };
}

function plainDisplay(log: (line: string) => void): ProgressDisplay {
  let current = '';
  let began = 0;
  let quarter = 0;
  return {
    update(p) {
      if (current !== p.file) {
        current = p.file;
        began = performance.now();
        quarter = Math.floor((4 * p.done) / Math.max(p.size, 1));
      }
      const reached = Math.floor((4 * p.done) / Math.max(p.size, 1));
      if (reached > quarter && reached < 4 && p.size >= PLAIN_PROGRESS_MIN_BYTES) {
        const f = figures(p, began);
        log(`${p.file}: ${reached * 25}% (${f.bytes}, ${f.rate}, eta ${f.left})`);
      }
      quarter = Math.max(quarter, reached);
    },
    finish() {
      current = '';
    },
  };
}

/**
 * Bytes so far, the rate of this run (resumed bytes are not counted) and the time left. The
 * bar draws from the first chunk, when there is no rate worth showing yet: `settleSeconds`.
 */
function figures(p: ProgressEvent, began: number, settleSeconds = 0) {
  const seconds = (performance.now() - began) / 1000;
  const sent = p.done - p.resumedFrom;
  const bytes = `${formatBytes(p.done)} of ${formatBytes(p.size)}`;
  if (seconds <= settleSeconds || sent === 0) return { bytes, rate: '- MB/s', left: '?' };
  const left = Math.ceil((p.size - p.done) / (sent / seconds));
  return { bytes, rate: formatRate(sent, seconds), left: `${left} s` };
}
