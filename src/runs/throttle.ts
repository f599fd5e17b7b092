// Rate limiting for UI updates: however fast data arrives, the callback runs at most once per
// interval, always with the latest state (trailing edge), and never drops the final update.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Calls `fn` at most once every `intervalMs`. The first `schedule()` after a quiet period runs
 * immediately; later ones within the interval are merged into one trailing call.
 */
export class Throttle {
  private last = -Infinity;
  private timer: unknown = null;
  private disposed = false;

  constructor(private readonly fn: () => void, readonly intervalMs: number, private readonly clock: Clock = realClock) {}

  schedule(): void {
    if (this.disposed || this.timer !== null) return;
    const wait = this.last + this.intervalMs - this.clock.now();
    if (wait <= 0) {
      this.run();
    } else {
      this.timer = this.clock.setTimeout(() => { this.timer = null; this.run(); }, wait);
    }
  }

  /** Runs a scheduled call now (e.g. before the view is hidden). */
  flush(): void {
    if (this.timer === null) return;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.run();
  }

  get pending(): boolean {
    return this.timer !== null;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private run(): void {
    if (this.disposed) return;
    this.last = this.clock.now();
    this.fn();
  }
}

/** Accumulates items and delivers them in batches through a Throttle. */
export class BatchThrottle<T> {
  private items: T[] = [];
  private readonly throttle: Throttle;

  constructor(deliver: (items: T[]) => void, intervalMs: number, clock: Clock = realClock) {
    this.throttle = new Throttle(() => {
      const batch = this.items;
      this.items = [];
      if (batch.length) deliver(batch);
    }, intervalMs, clock);
  }

  push(items: readonly T[]): void {
    for (const item of items) this.items.push(item);
    this.throttle.schedule();
  }

  flush(): void {
    this.throttle.flush();
  }

  dispose(): void {
    this.throttle.dispose();
    this.items = [];
  }
}
