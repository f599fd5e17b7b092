// Follows runs that look running but are not this window's own (CLI runs, other windows): every
// couple of seconds, only while there is such a run, their status is read again (run.json through
// the mtime cache, which also catches a rewrite the file watcher missed, and the owner's pid and
// start time, runs/processIdentity.ts). When one is no longer running the views are told, so a
// finished or killed CLI run stops showing "running" and a Stop button within seconds.

export class RunningProbe {
  private readonly watched = new Set<string>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private ticking = false;

  constructor(
    /** The run's status as the views would show it now. */
    private readonly statusOf: (runId: string) => Promise<string>,
    /** Some watched run is no longer running: re-render. */
    private readonly onChange: () => void,
    private readonly intervalMs = 2000,
  ) {}

  /** What a view showed for a run: a running one is watched, any other is not. */
  observe(runId: string, status: string): void {
    if (status === 'running') {
      this.watched.add(runId);
      if (!this.timer && this.intervalMs > 0) this.timer = setInterval(() => void this.tick(), this.intervalMs);
    } else this.watched.delete(runId);
  }

  get watching(): readonly string[] {
    return [...this.watched];
  }

  /** One probe of every watched run; true when one changed. */
  async tick(): Promise<boolean> {
    if (this.ticking) return false;
    this.ticking = true;
    try {
      let changed = false;
      for (const id of [...this.watched]) {
        const s = await this.statusOf(id).catch(() => 'unknown');
        if (s !== 'running') {
          this.watched.delete(id);
          changed = true;
        }
      }
      if (!this.watched.size) this.stopTimer();
      if (changed) this.onChange();
      return changed;
    } finally {
      this.ticking = false;
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  dispose(): void {
    this.stopTimer();
    this.watched.clear();
  }
}
