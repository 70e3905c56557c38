// A timer that never fires early. Node's setTimeout counts from the event loop's cached time,
// which can be a millisecond behind the clock, so a 100 ms timer may run after 99.4 ms.
// A proxy that promises "--delay 0.1 adds at least 0.1 s" checks the clock when the timer
// fires, and waits the rest if it came early.
import { performance } from 'node:perf_hooks';

/** Calls `fn` once, at `due` (a performance.now() time) or later; cancel() stops it. */
export class Alarm {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly due: number,
    private readonly fn: () => void,
  ) {
    this.arm();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  // Always through a timer, even when already due: the caller's callback never runs before
  // its constructor has returned.
  private arm(): void {
    const wait = Math.max(0, Math.ceil(this.due - performance.now()));
    this.timer = setTimeout(() => {
      if (performance.now() < this.due) return this.arm();
      this.timer = undefined;
      this.fn();
    }, wait);
  }
}
