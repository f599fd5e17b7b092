// Typed messages between the extension host and the trainer child process (IPC).
// Host <-> webview messages are defined in the same module by the extension.
import type { EpochMetrics, RunEvent, RunInfo, RunStatus } from './runs/types';

/** Trainer -> host. Mirrors what the trainer writes to the run folder. */
export type TrainerMessage =
  | { type: 'started'; runDir: string; run: RunInfo }
  | { type: 'progress'; epoch: number; step: number; stepsPerEpoch: number; loss: number; accuracy: number; imagesPerSecond: number; etaSeconds: number | null }
  | { type: 'metrics'; record: EpochMetrics }
  | { type: 'event'; event: RunEvent }
  | { type: 'finished'; status: RunStatus; runDir: string }
  | { type: 'failed'; error: string; runDir: string | null };

/** Host -> trainer. */
export type HostToTrainerMessage = { type: 'stop' };

export function isHostToTrainerMessage(m: unknown): m is HostToTrainerMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'stop';
}
