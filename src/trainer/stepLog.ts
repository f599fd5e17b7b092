// When the trainer writes a steps.jsonl record (docs/design.md §3.6), and what it holds: the mean
// training loss and accuracy over the steps since the previous record. Pure: the clock is passed in.
import type { Phase, StepMetrics } from '../runs/types';
import { STEP_LOG_MAX_SECONDS } from '../runs/steps';

export interface StepSample {
  epoch: number;
  epochStep: number;
  stepsPerEpoch: number;
  /** Optimizer steps since the run started, this one included. */
  step: number;
  phase: Phase;
  batchLoss: number;
  batchCorrect: number;
  batchImages: number;
  lr: number;
  /** Run clock (seconds), as EpochMetrics.seconds. */
  seconds: number;
}

export class StepLog {
  private lossSum = 0;
  private correct = 0;
  private images = 0;
  private steps = 0;
  private windowStart: number | null = null;

  /** `every` = 0 writes nothing; `startSeconds` is the run clock when training (re)starts. */
  constructor(
    private readonly every: number,
    startSeconds: number,
    private readonly maxSeconds = STEP_LOG_MAX_SECONDS,
  ) {
    this.windowStart = startSeconds;
  }

  /** Adds one step; returns the record to write when one is due (every N steps, or after maxSeconds). */
  add(s: StepSample): StepMetrics | null {
    if (this.every <= 0) return null;
    this.windowStart ??= s.seconds;
    this.lossSum += s.batchLoss * s.batchImages;
    this.correct += s.batchCorrect;
    this.images += s.batchImages;
    this.steps++;
    const elapsed = s.seconds - this.windowStart;
    if (this.steps < this.every && elapsed < this.maxSeconds) return null;
    const record: StepMetrics = {
      epoch: s.epoch,
      step: s.step,
      epochStep: s.epochStep,
      stepsPerEpoch: s.stepsPerEpoch,
      phase: s.phase,
      trainLoss: this.lossSum / this.images,
      trainAccuracy: this.correct / this.images,
      steps: this.steps,
      lr: s.lr,
      seconds: s.seconds,
      imagesPerSecond: elapsed > 0 ? this.images / elapsed : 0,
    };
    this.restart(s.seconds);
    return record;
  }

  /**
   * Starts a new window (at an epoch's start: a window never spans validation or a decomposition,
   * whose time is not training throughput).
   */
  restart(seconds: number): void {
    this.lossSum = this.correct = this.images = this.steps = 0;
    this.windowStart = seconds;
  }
}
