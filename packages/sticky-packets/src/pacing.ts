// Support: when the sender writes and when the receiver reads. The seed leaves it to
// chance: both sides sleep a random moment (`time.sleep(random.random())`), so whether
// writes merge depends on the run. The programs do the same. The demo and the tests need
// the lesson every time, so `lockstep` makes the conditions instead: the receiver waits
// while a group of writes piles up, then reads.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How far a receiver has got: what pacing looks at. common's SocketReader (TCP) and the
 * UDP receiver's queue both have it.
 */
export interface ReadProgress {
  /** Bytes that have arrived so far (read or not). */
  readonly arrivedBytes: number;
  /** Bytes handed out by reads so far. */
  readonly consumedBytes: number;
  /** Resolves true once `bytes` have arrived in all, false if the stream ends first. */
  whenArrived(bytes: number): Promise<boolean>;
}

/** Called before each write with the message's index (0-based). */
export type BeforeWrite = (index: number) => Promise<void>;
/** Called before each read with how far the receiver has got. */
export type BeforeRead = (progress: ReadProgress) => Promise<void>;

/**
 * The seed's receiver: `recv()`, print, then `time.sleep(random.random())`, so a random
 * moment from 0 to `maxMs` between reads, and none before the first. 0 turns it off.
 */
export function randomPause(maxMs: number): BeforeRead {
  return async (progress) => {
    if (maxMs > 0 && progress.consumedBytes > 0) await sleep(Math.random() * maxMs);
  };
}

/** The seed's sender: a random moment from 0 to `maxMs` before each write. 0 turns it off. */
export function randomGap(maxMs: number): BeforeWrite {
  return async () => {
    if (maxMs > 0) await sleep(Math.random() * maxMs);
  };
}

export interface Lockstep {
  beforeWrite: BeforeWrite;
  beforeRead: BeforeRead;
}

/**
 * Writes in groups, reads after each group has fully arrived. `wireSizes` are the bytes
 * each write puts on the wire; `groups` how many writes go together. The sender starts a
 * group only once the receiver has read everything before it; the receiver reads only
 * once the whole group is there. With the seed's messages, groups [1, 3, 1, 1, 1] and
 * recv(1024), the reads are 17/302/200/1/1024/976: the seed's first run, every time.
 *
 * `timeoutMs` stops a wait early (for UDP, where a datagram may never come); without it,
 * a wait lasts as long as it must.
 */
export function lockstep(
  wireSizes: readonly number[],
  groups: readonly number[],
  timeoutMs = 0,
): Lockstep {
  if (groups.reduce((a, b) => a + b, 0) !== wireSizes.length) {
    throw new RangeError(`the groups cover ${groups.join('+')} writes, not ${wireSizes.length}`);
  }
  // Where each group ends in the stream, and which write starts which group.
  const groupEnds: number[] = [];
  const groupStarting = new Map<number, number>();
  let write = 0;
  let bytes = 0;
  groups.forEach((count, group) => {
    groupStarting.set(write, group);
    for (const end = write + count; write < end; write++) bytes += wireSizes[write] as number;
    groupEnds.push(bytes);
  });

  let consumed = 0;
  let waiting: (() => void)[] = [];
  return {
    async beforeWrite(index) {
      const group = groupStarting.get(index);
      if (group === undefined || group === 0) return;
      const needed = groupEnds[group - 1] as number;
      while (consumed < needed) {
        const read = new Promise<void>((resolve) => waiting.push(resolve));
        if (!(await withDeadline(read, timeoutMs))) return;
      }
    },
    async beforeRead(progress) {
      consumed = progress.consumedBytes;
      const wake = waiting;
      waiting = [];
      for (const resolve of wake) resolve();
      const next = groupEnds.find((end) => end > consumed);
      if (next !== undefined) await withDeadline(progress.whenArrived(next), timeoutMs);
    },
  };
}

/**
 * One write at a time, read as it comes: the sender writes a message only once the receiver
 * has read every byte before it, and the receiver reads at once whatever has arrived. For
 * when something between them decides the pieces (fault-proxy --split): the reads then show
 * those pieces, and no merge of the receiver's making.
 */
export function oneAtATime(wireSizes: readonly number[]): Lockstep {
  const ends: number[] = [];
  for (const size of wireSizes) ends.push((ends.at(-1) ?? 0) + size);
  let consumed = 0;
  const waiting: (() => void)[] = [];
  return {
    async beforeWrite(index) {
      const needed = index === 0 ? 0 : (ends[index - 1] as number);
      while (consumed < needed) await new Promise<void>((resolve) => waiting.push(resolve));
    },
    async beforeRead(progress) {
      consumed = progress.consumedBytes;
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}

/** Resolves true when `promise` settles first, false if `ms` (when > 0) pass first. */
async function withDeadline(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms <= 0) {
    await promise;
    return true;
  }
  const controller = new AbortController();
  const late = sleep(ms, false, { signal: controller.signal });
  late.catch(() => {}); // aborted below once the promise wins: not an error
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    controller.abort();
  }
}
