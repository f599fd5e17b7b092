// Follows one run folder while it is shown: each `poll()` returns only what changed since the last
// one (new metric lines, new events, a new run.json). Safe against the folder being deleted.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonlTail } from './jsonl';
import { isEpochMetrics, isRunEvent, isStepMetrics, readRunInfo } from './reader';
import { EVENTS_FILE, METRICS_FILE, RUN_FILE, STEPS_FILE, type EpochMetrics, type RunEvent, type RunInfo, type StepMetrics } from './types';

export interface RunDelta {
  /** Set when run.json changed (or was read for the first time). */
  info?: RunInfo | null;
  metrics: EpochMetrics[];
  steps: StepMetrics[];
  events: RunEvent[];
  /** A file was truncated or replaced: the receiver must drop what it had and start over. */
  reset: boolean;
  /** The run folder no longer exists. */
  deleted: boolean;
  /** Complete lines that were not valid records, per file (1-based line numbers). */
  badLines: { metrics: number[]; steps: number[]; events: number[] };
}

export class RunFollower {
  private readonly metricsTail: JsonlTail<EpochMetrics>;
  private readonly stepsTail: JsonlTail<StepMetrics>;
  private readonly eventsTail: JsonlTail<RunEvent>;
  private runMtime = -1;
  private info: RunInfo | null = null;

  constructor(readonly dir: string) {
    this.metricsTail = new JsonlTail(join(dir, METRICS_FILE), isEpochMetrics);
    this.stepsTail = new JsonlTail(join(dir, STEPS_FILE), isStepMetrics);
    this.eventsTail = new JsonlTail(join(dir, EVENTS_FILE), isRunEvent);
  }

  get runInfo(): RunInfo | null {
    return this.info;
  }

  /** A torn or still-being-written last metrics line, if any. */
  get pendingMetricsText(): string {
    return this.metricsTail.pendingText;
  }

  async poll(): Promise<RunDelta> {
    const exists = await stat(this.dir).then((s) => s.isDirectory(), () => false);
    if (!exists) {
      const had = this.runMtime !== -2;
      this.runMtime = -2;
      this.info = null;
      return {
        info: had ? null : undefined,
        metrics: [],
        steps: [],
        events: [],
        reset: false,
        deleted: true,
        badLines: { metrics: [], steps: [], events: [] },
      };
    }
    const delta: RunDelta = {
      metrics: [],
      steps: [],
      events: [],
      reset: false,
      deleted: false,
      badLines: { metrics: [], steps: [], events: [] },
    };
    const mtime = await stat(join(this.dir, RUN_FILE)).then((s) => s.mtimeMs, () => -1);
    if (mtime !== this.runMtime) {
      this.runMtime = mtime;
      this.info = mtime === -1 ? null : await readRunInfo(this.dir);
      delta.info = this.info;
    }
    const [m, st, e] = await Promise.all([this.metricsTail.read(), this.stepsTail.read(), this.eventsTail.read()]);
    if (m.reset || st.reset || e.reset) delta.reset = true;
    delta.metrics = m.records;
    delta.steps = st.records;
    delta.events = e.records;
    delta.badLines = { metrics: m.badLines, steps: st.badLines, events: e.badLines };
    return delta;
  }
}
