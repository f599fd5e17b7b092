// Typed messages between the extension host and the trainer child process (IPC).
// Below them, the messages between the extension host and the dashboard webview.
import type { EpochMetrics, RunEvent, RunInfo, RunStatus } from './runs/types';
import type { Comparison } from './runs/compare';

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

// ---------------------------------------------------------------------------------------------
// Host <-> dashboard webview. The webview imports only this part (and types), never `vscode`.
// ---------------------------------------------------------------------------------------------
/** What the dashboard shows about a run's liveness, computed by the host. */
export interface RunStateView {
  status: RunStatus;
  error: string | null;
  /** The host can stop it (it owns the process, or knows its pid on this machine). */
  canStop: boolean;
  /** A stop was requested and the process has not ended yet. */
  stopping: boolean;
}

/** Per-step progress of a live run (only for runs this window started or adopted). */
export interface RunProgressView {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
}

/**
 * Metrics as columns: a run with 100,000 records crosses postMessage as a few number arrays
 * (about 1 ms to copy) instead of 100,000 objects (about 200 ms). NaN stands for a missing value.
 */
export interface MetricColumnsView {
  epoch: Float64Array;
  seconds: Float64Array;
  trainAccuracy: Float64Array;
  valAccuracy: Float64Array;
  trainLoss: Float64Array;
  valLoss: Float64Array;
  /** The first and last records in full, for the header (parameters, phase, throughput). */
  first: EpochMetrics | null;
  last: EpochMetrics | null;
}

export function toMetricColumns(records: readonly EpochMetrics[]): MetricColumnsView {
  const n = records.length;
  const cols = {
    epoch: new Float64Array(n), seconds: new Float64Array(n), trainAccuracy: new Float64Array(n),
    valAccuracy: new Float64Array(n), trainLoss: new Float64Array(n), valLoss: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const m = records[i]!;
    cols.epoch[i] = m.epoch;
    cols.seconds[i] = m.seconds;
    cols.trainAccuracy[i] = m.trainAccuracy ?? NaN;
    cols.valAccuracy[i] = m.valAccuracy ?? NaN;
    cols.trainLoss[i] = m.trainLoss ?? NaN;
    cols.valLoss[i] = m.valLoss ?? NaN;
  }
  return { ...cols, first: records[0] ?? null, last: records[n - 1] ?? null };
}

export interface RunSnapshotView {
  id: string;
  dir: string;
  info: RunInfo | null;
  state: RunStateView;
  metrics: MetricColumnsView;
  events: RunEvent[];
  problems: string[];
}

export interface ComparisonCurve {
  id: string;
  name: string;
  seconds: number[];
  accuracy: number[];
}

export const enum ToWebview {
  Run = 'run',
  Metrics = 'metrics',
  Events = 'events',
  State = 'state',
  Progress = 'progress',
  Comparison = 'comparison',
}

export type HostToWebviewMessage =
  /** Replace everything shown (a new run selected, the view was re-created, or a file was reset). `run: null` shows the empty state. */
  | { type: ToWebview.Run; run: RunSnapshotView | null }
  /** Metric records appended to the shown run (batched, at most ~10 messages a second). */
  | { type: ToWebview.Metrics; runId: string; records: EpochMetrics[] }
  | { type: ToWebview.Events; runId: string; events: RunEvent[] }
  | { type: ToWebview.State; runId: string; info: RunInfo | null; state: RunStateView }
  | { type: ToWebview.Progress; runId: string; progress: RunProgressView }
  | { type: ToWebview.Comparison; comparison: Comparison; curves: ComparisonCurve[] };

export const enum FromWebview {
  Ready = 'ready',
  Stop = 'stop',
  Reveal = 'reveal',
  SetBaseline = 'setBaseline',
  Export = 'export',
  StartTraining = 'startTraining',
}

export type WebviewToHostMessage =
  /** The webview (re)loaded and wants the current state replayed. */
  | { type: FromWebview.Ready }
  | { type: FromWebview.Stop; runId: string }
  | { type: FromWebview.Reveal; runId: string }
  | { type: FromWebview.SetBaseline; runId: string }
  | { type: FromWebview.Export; format: 'markdown' | 'csv' }
  | { type: FromWebview.StartTraining };

const RUN_ID = /^[^/\\\0]{1,255}$/;
function isRunId(v: unknown): v is string {
  return typeof v === 'string' && RUN_ID.test(v) && v !== '.' && v !== '..';
}

/**
 * Validates a message received from the webview. Anything not exactly one of the known shapes
 * (unknown type, missing or ill-typed fields, a run id that could escape the runs directory)
 * is rejected; the caller logs and drops it.
 */
export function parseWebviewMessage(m: unknown): WebviewToHostMessage | null {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return null;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case FromWebview.Ready:
      return { type: FromWebview.Ready };
    case FromWebview.StartTraining:
      return { type: FromWebview.StartTraining };
    case FromWebview.Stop:
    case FromWebview.Reveal:
    case FromWebview.SetBaseline:
      return isRunId(o.runId) ? { type: o.type, runId: o.runId } : null;
    case FromWebview.Export:
      return o.format === 'markdown' || o.format === 'csv' ? { type: FromWebview.Export, format: o.format } : null;
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Host <-> "Preview decomposition" panel (code lenses on model files). The panel's table is
// rendered by the host; these are the few messages its buttons send and the highlight it gets.
// ---------------------------------------------------------------------------------------------
export const enum ToPreview {
  /** Scroll to and mark one layer's row (a layer lens was clicked while the panel was open). */
  Highlight = 'previewHighlight',
}

export type HostToPreviewMessage = { type: ToPreview.Highlight; layer: string };

export const enum FromPreview {
  StartTraining = 'previewStartTraining',
  Refresh = 'previewRefresh',
  RevealLayer = 'previewRevealLayer',
}

export type PreviewToHostMessage =
  | { type: FromPreview.StartTraining }
  | { type: FromPreview.Refresh }
  /** Show this layer in the model file. */
  | { type: FromPreview.RevealLayer; layer: string };

/** Validates a message from the preview panel; anything else is null (logged and dropped). */
export function parsePreviewMessage(m: unknown): PreviewToHostMessage | null {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return null;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case FromPreview.StartTraining:
      return { type: FromPreview.StartTraining };
    case FromPreview.Refresh:
      return { type: FromPreview.Refresh };
    case FromPreview.RevealLayer:
      return typeof o.layer === 'string' && o.layer.length > 0 && o.layer.length <= 512 ? { type: FromPreview.RevealLayer, layer: o.layer } : null;
    default:
      return null;
  }
}
