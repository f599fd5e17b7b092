// Typed messages between the extension host and the trainer child process (IPC).
// Below them, the messages between the extension host and the dashboard webview.
import type { BackendInfo, BackendName, EpochMetrics, GpuAdapterInfo, RunEvent, RunInfo, RunStatus, StepMetrics } from './runs/types';
import type { Comparison } from './runs/compare';
import type { LayerReport, RanksReport, ReportLayerType } from './model/analyze';
import type { StudyRecord } from './study/types';

/** Trainer -> host. Mirrors what the trainer writes to the run folder. */
export type TrainerMessage =
  | { type: 'started'; runDir: string; run: RunInfo }
  | {
      type: 'progress';
      epoch: number;
      step: number;
      stepsPerEpoch: number;
      loss: number;
      accuracy: number;
      imagesPerSecond: number;
      etaSeconds: number | null;
    }
  | { type: 'metrics'; record: EpochMetrics }
  /** A steps.jsonl record was written (docs/design.md §3.6). */
  | { type: 'step'; record: StepMetrics }
  | { type: 'event'; event: RunEvent }
  | { type: 'finished'; status: RunStatus; runDir: string }
  | { type: 'failed'; error: string; runDir: string | null }
  /** `tucker-train study` only: study.json was rewritten (a scenario started or ended, the study ended). */
  | { type: 'study'; studyDir: string; study: StudyRecord };

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
  /** run.json's status, or 'crashed': it says running but its trainer is gone (runs/reader.ts effectiveState). */
  status: RunStatus | 'crashed';
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
  step: Float64Array;
  lr: Float64Array;
  imagesPerSecond: Float64Array;
  /** Sequential freezing: the factor group that trained in each epoch (null: all); absent from older hosts. */
  trainableGroup?: (string | null)[];
  /** The first and last records in full, for the header (parameters, phase, throughput). */
  first: EpochMetrics | null;
  last: EpochMetrics | null;
}

export function toMetricColumns(records: readonly EpochMetrics[]): MetricColumnsView {
  const n = records.length;
  const cols = {
    epoch: new Float64Array(n),
    seconds: new Float64Array(n),
    trainAccuracy: new Float64Array(n),
    valAccuracy: new Float64Array(n),
    trainLoss: new Float64Array(n),
    valLoss: new Float64Array(n),
    step: new Float64Array(n),
    lr: new Float64Array(n),
    imagesPerSecond: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const m = records[i];
    cols.step[i] = m.step ?? NaN;
    cols.lr[i] = m.lr ?? NaN;
    cols.imagesPerSecond[i] = m.imagesPerSecond ?? NaN;
    cols.epoch[i] = m.epoch;
    cols.seconds[i] = m.seconds;
    cols.trainAccuracy[i] = m.trainAccuracy ?? NaN;
    cols.valAccuracy[i] = m.valAccuracy ?? NaN;
    cols.trainLoss[i] = m.trainLoss ?? NaN;
    cols.valLoss[i] = m.valLoss ?? NaN;
  }
  const trainableGroup = records.map((m) => m.trainableGroup ?? null);
  return { ...cols, trainableGroup, first: records[0] ?? null, last: records[n - 1] ?? null };
}

/** steps.jsonl as columns (docs/design.md §3.6); `epoch` is fractional: epoch − 1 + epochStep / stepsPerEpoch. */
export interface StepColumnsView {
  epoch: Float64Array;
  step: Float64Array;
  seconds: Float64Array;
  trainLoss: Float64Array;
  trainAccuracy: Float64Array;
  lr: Float64Array;
  imagesPerSecond: Float64Array;
  last: StepMetrics | null;
}

/** Where a step record sits on the epoch axis: the epoch it belongs to, done in proportion to its steps. */
export function stepEpochPosition(s: Pick<StepMetrics, 'epoch' | 'epochStep' | 'stepsPerEpoch'>): number {
  return s.epoch - 1 + (s.stepsPerEpoch > 0 ? s.epochStep / s.stepsPerEpoch : 1);
}

export function toStepColumns(records: readonly StepMetrics[]): StepColumnsView {
  const n = records.length;
  const cols = {
    epoch: new Float64Array(n),
    step: new Float64Array(n),
    seconds: new Float64Array(n),
    trainLoss: new Float64Array(n),
    trainAccuracy: new Float64Array(n),
    lr: new Float64Array(n),
    imagesPerSecond: new Float64Array(n),
  };
  records.forEach((m, i) => {
    cols.epoch[i] = stepEpochPosition(m);
    cols.step[i] = m.step;
    cols.seconds[i] = m.seconds;
    cols.trainLoss[i] = m.trainLoss;
    cols.trainAccuracy[i] = m.trainAccuracy;
    cols.lr[i] = m.lr;
    cols.imagesPerSecond[i] = m.imagesPerSecond;
  });
  return { ...cols, last: records[n - 1] ?? null };
}

export interface RunSnapshotView {
  id: string;
  dir: string;
  info: RunInfo | null;
  state: RunStateView;
  metrics: MetricColumnsView;
  /** Absent from senders that predate steps.jsonl (the webview treats it as empty). */
  steps?: StepColumnsView;
  events: RunEvent[];
  problems: string[];
}

export interface ComparisonCurve {
  id: string;
  name: string;
  epochs: number[];
  seconds: number[];
  accuracy: number[];
  /** Validation loss per epoch (training loss without validation), for the loss overlays. */
  loss: number[];
}

/** The overlay curves of compared runs: validation accuracy and loss (training's without validation). */
export function comparisonCurves(runs: readonly { info: RunInfo; metrics: readonly EpochMetrics[] }[]): ComparisonCurve[] {
  return runs.map((r) => ({
    id: r.info.id,
    name: r.info.name,
    epochs: r.metrics.map((m) => m.epoch),
    seconds: r.metrics.map((m) => m.seconds),
    accuracy: r.metrics.map((m) => m.valAccuracy ?? m.trainAccuracy),
    loss: r.metrics.map((m) => m.valLoss ?? m.trainLoss),
  }));
}

export const enum ToWebview {
  Run = 'run',
  Metrics = 'metrics',
  Events = 'events',
  State = 'state',
  Progress = 'progress',
  Comparison = 'comparison',
  Steps = 'steps',
  /** The run view's "Save as PNG/SVG" finished (or was cancelled): `path` null when nothing was written. */
  Saved = 'saved',
}

export type HostToWebviewMessage =
  /** Replace everything shown (a new run selected, the view was re-created, or a file was reset). `run: null` shows the empty state. */
  | { type: ToWebview.Run; run: RunSnapshotView | null }
  /** Metric records appended to the shown run (batched, at most ~10 messages a second). */
  | { type: ToWebview.Metrics; runId: string; records: EpochMetrics[] }
  | { type: ToWebview.Events; runId: string; events: RunEvent[] }
  /** steps.jsonl records appended to the shown run. */
  | { type: ToWebview.Steps; runId: string; records: StepMetrics[] }
  | { type: ToWebview.Saved; path: string | null; error: string | null }
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
  /** The header's "Check training backends" link (a run that trained on the CPU). */
  CheckBackends = 'checkBackends',
  /** The dashboard's "Open in editor": the run view (an editor tab) of this run. */
  OpenRun = 'openRun',
  /** The run view's "Save as PNG/SVG" of one chart: the host asks where and writes the file. */
  SaveChart = 'saveChart',
}

/** Largest chart image the host accepts from a webview (a full-size PNG is ~100 KB to 1 MB). */
export const MAX_CHART_BYTES = 16 * 1024 * 1024;

/** One chart to save: `data` is the SVG text, or the PNG as a data: URL (canvas.toDataURL). */
export interface SaveChartRequest {
  format: 'png' | 'svg';
  /** Suggested file name without extension ("accuracy-vs-epoch"). */
  name: string;
  data: string;
}

export type WebviewToHostMessage =
  /** The webview (re)loaded and wants the current state replayed. */
  | { type: FromWebview.Ready }
  | { type: FromWebview.Stop; runId: string }
  | { type: FromWebview.Reveal; runId: string }
  | { type: FromWebview.SetBaseline; runId: string }
  | { type: FromWebview.Export; format: 'markdown' | 'csv' }
  | { type: FromWebview.StartTraining }
  | { type: FromWebview.CheckBackends }
  | { type: FromWebview.OpenRun; runId: string }
  | ({ type: FromWebview.SaveChart } & SaveChartRequest);

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
    case FromWebview.CheckBackends:
      return { type: FromWebview.CheckBackends };
    case FromWebview.Stop:
    case FromWebview.Reveal:
    case FromWebview.SetBaseline:
    case FromWebview.OpenRun:
      return isRunId(o.runId) ? { type: o.type, runId: o.runId } : null;
    case FromWebview.SaveChart:
      return parseSaveChart(o);
    case FromWebview.Export:
      return o.format === 'markdown' || o.format === 'csv' ? { type: FromWebview.Export, format: o.format } : null;
    default:
      return null;
  }
}

const CHART_NAME = /^[\w.-]{1,80}$/;

function parseSaveChart(o: Record<string, unknown>): WebviewToHostMessage | null {
  if ((o.format !== 'png' && o.format !== 'svg') || typeof o.name !== 'string' || !CHART_NAME.test(o.name)) return null;
  if (typeof o.data !== 'string' || o.data.length > MAX_CHART_BYTES * 1.4) return null;
  if (o.format === 'png' ? !o.data.startsWith('data:image/png;base64,') : !o.data.trimStart().startsWith('<svg')) return null;
  return { type: FromWebview.SaveChart, format: o.format, name: o.name, data: o.data };
}

// ---------------------------------------------------------------------------------------------
// Host <-> "Preview decomposition" panel (code lenses on model files). The panel is its own bundle
// (webview/preview/, dist/preview.js): the host posts what to show, the webview renders the table
// and sends back what its buttons and layer links ask for. Both directions are validated.
// ---------------------------------------------------------------------------------------------
/** What the preview panel shows for one model (a model.json, or a tf.sequential model in a source file). */
export interface PreviewContentView {
  /** "Preview decomposition: small-cnn/model.json". */
  title: string;
  /** The model file (shown, and named in messages). */
  file: string;
  state: { kind: 'computing' } | { kind: 'error'; message: string } | { kind: 'ready'; report: RanksReport };
  /** Whether "Start decomposed training from this model" is offered (model.json files only). */
  canTrain: boolean;
  /** The layer whose row is marked (and scrolled to). */
  highlight?: string;
  /** A sentence above the table (why a source model's chain stops). */
  note?: string;
}

export const enum ToPreview {
  /** Everything the panel shows (first load, a reload, the model or its analysis changed). */
  Content = 'previewContent',
  /** Scroll to and mark one layer's row (a layer lens was clicked while the panel was open). */
  Highlight = 'previewHighlight',
}

export type HostToPreviewMessage = { type: ToPreview.Content; content: PreviewContentView } | { type: ToPreview.Highlight; layer: string };

export const enum FromPreview {
  /** The panel (re)loaded and wants the content. */
  Ready = 'previewReady',
  StartTraining = 'previewStartTraining',
  Refresh = 'previewRefresh',
  RevealLayer = 'previewRevealLayer',
}

export type PreviewToHostMessage =
  | { type: FromPreview.Ready }
  | { type: FromPreview.StartTraining }
  | { type: FromPreview.Refresh }
  /** Show this layer in the model file. */
  | { type: FromPreview.RevealLayer; layer: string };

const isLayerName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 512;

/** Validates a message from the preview panel; anything else is null (logged and dropped). */
export function parsePreviewMessage(m: unknown): PreviewToHostMessage | null {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return null;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case FromPreview.Ready:
      return { type: FromPreview.Ready };
    case FromPreview.StartTraining:
      return { type: FromPreview.StartTraining };
    case FromPreview.Refresh:
      return { type: FromPreview.Refresh };
    case FromPreview.RevealLayer:
      return isLayerName(o.layer) ? { type: FromPreview.RevealLayer, layer: o.layer } : null;
    default:
      return null;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number';
const isNumOrNull = (v: unknown): v is number | null => v === null || isNum(v);
const isStrOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
/** [H, W] or null. */
const isSize = (v: unknown): v is [number, number] | null => v === null || (Array.isArray(v) && v.length === 2 && v.every(isNum));
/** A ratio: postMessage serialises like JSON, so an infinite ratio (nothing left after) arrives as null. */
const ratio = (v: unknown): number | undefined => (isNum(v) ? v : v === null ? Infinity : undefined);
const beforeAfter = (v: unknown): { before: number; after: number } | null =>
  isObj(v) && isNum(v.before) && isNum(v.after) ? { before: v.before, after: v.after } : null;

const LAYER_TYPES: readonly string[] = [
  'Conv2D',
  'Dense',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'Conv2DTranspose',
] satisfies ReportLayerType[];

function readLayer(v: unknown): LayerReport | null {
  if (!isObj(v) || typeof v.name !== 'string' || typeof v.type !== 'string' || !LAYER_TYPES.includes(v.type)) return null;
  if (!Array.isArray(v.kernel) || !v.kernel.every(isNum) || !isNum(v.cin) || !isNum(v.cout)) return null;
  if (!isSize(v.inputSize) || !isSize(v.outputSize) || !isNumOrNull(v.k1) || !isNumOrNull(v.k2) || !isNumOrNull(v.rank)) return null;
  const s = v.sigma2;
  const sigma2 = isNumOrNull(s) ? s : isObj(s) && isNumOrNull(s.in) && isNumOrNull(s.out) ? { in: s.in, out: s.out } : undefined;
  const params = beforeAfter(v.params);
  const flops = beforeAfter(v.flops);
  const compression = ratio(v.compression);
  const speedup = ratio(v.speedup);
  if (
    sigma2 === undefined ||
    !isStrOrNull(v.skipped) ||
    typeof v.estimate !== 'boolean' ||
    !params ||
    !flops ||
    compression === undefined ||
    speedup === undefined
  )
    return null;
  return {
    name: v.name,
    type: v.type as ReportLayerType,
    kernel: v.kernel,
    cin: v.cin,
    cout: v.cout,
    inputSize: v.inputSize,
    outputSize: v.outputSize,
    k1: v.k1,
    k2: v.k2,
    rank: v.rank,
    sigma2,
    skipped: v.skipped,
    estimate: v.estimate,
    params,
    flops,
    compression,
    speedup,
  };
}

function readReport(v: unknown): RanksReport | null {
  if (
    !isObj(v) ||
    typeof v.model !== 'string' ||
    typeof v.weightsRead !== 'boolean' ||
    typeof v.policy !== 'string' ||
    !Array.isArray(v.layers)
  )
    return null;
  const layers: LayerReport[] = [];
  for (const l of v.layers) {
    const r = readLayer(l);
    if (!r) return null;
    layers.push(r);
  }
  const t = v.totals;
  if (!isObj(t)) return null;
  const params = beforeAfter(t.params);
  const flops = beforeAfter(t.flops);
  const compression = ratio(t.compression);
  const speedup = ratio(t.speedup);
  if (!params || !flops || compression === undefined || speedup === undefined || !isNum(t.decomposed) || !isNum(t.skipped)) return null;
  return {
    model: v.model,
    weightsRead: v.weightsRead,
    policy: v.policy,
    layers,
    totals: { params, flops, compression, speedup, decomposed: t.decomposed, skipped: t.skipped },
  };
}

function readPreviewContent(v: unknown): PreviewContentView | null {
  if (!isObj(v) || typeof v.title !== 'string' || typeof v.file !== 'string' || typeof v.canTrain !== 'boolean') return null;
  if ((v.highlight !== undefined && typeof v.highlight !== 'string') || (v.note !== undefined && typeof v.note !== 'string')) return null;
  const st = v.state;
  if (!isObj(st)) return null;
  let state: PreviewContentView['state'];
  if (st.kind === 'computing') state = { kind: 'computing' };
  else if (st.kind === 'error' && typeof st.message === 'string') state = { kind: 'error', message: st.message };
  else if (st.kind === 'ready') {
    const report = readReport(st.report);
    if (!report) return null;
    state = { kind: 'ready', report };
  } else return null;
  const content: PreviewContentView = { title: v.title, file: v.file, state, canTrain: v.canTrain };
  if (v.highlight !== undefined) content.highlight = v.highlight;
  if (v.note !== undefined) content.note = v.note;
  return content;
}

/**
 * Validates a message the preview webview received from the host: exactly one of the known
 * shapes (a copy, extra fields dropped), or null (the webview drops it).
 */
export function parseHostToPreviewMessage(m: unknown): HostToPreviewMessage | null {
  if (!isObj(m)) return null;
  switch (m.type) {
    case ToPreview.Content: {
      const content = readPreviewContent(m.content);
      return content ? { type: ToPreview.Content, content } : null;
    }
    case ToPreview.Highlight:
      return isLayerName(m.layer) ? { type: ToPreview.Highlight, layer: m.layer } : null;
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// `tucker-train doctor --json` -> the extension's "Check training backends" (docs/design.md §6.4).
// ---------------------------------------------------------------------------------------------
export const DOCTOR_REPORT_VERSION = 1;

/** One backend as doctor found it. */
export interface DoctorBackend {
  name: BackendName;
  /** It initialised and computed a test product here. */
  available: boolean;
  /** What computes, as BackendInfo.device says it; null when not available. */
  device: string | null;
  /** Why not, in one sentence; null when available. */
  reason: string | null;
  /** webgpu: the adapter Dawn gave; else null. */
  adapter: GpuAdapterInfo | null;
  /** A remark on an available backend (a software adapter that auto passes over). */
  note: string | null;
}

export interface DoctorReport {
  version: number;
  node: string;
  tfjs: string;
  platform: string;
  arch: string;
  /** In auto's order. */
  backends: DoctorBackend[];
  /** Every adapter Dawn lists, `backend` being the native API (vulkan, metal, d3d12…). */
  adapters: { backend: string; name: string }[];
  /** Whether @tensorflow/tfjs-node-gpu placed work on a GPU; null when it is not installed or does not load. */
  tensorflowGpuUsesGpu: boolean | null;
  /** The dawn.node in use (beside the program, or in the webgpu package); null when none loads. */
  dawn: string | null;
  /** Linux: what Vulkan offers Dawn; null elsewhere. */
  vulkan: { loader: string | null; drivers: string[]; nvidiaDriver: string | null } | null;
  /** The choice `--backend auto` makes here, with its fallbacks. */
  auto: Pick<BackendInfo, 'used' | 'device' | 'fallbacks'>;
}

const isStr = (v: unknown): v is string => typeof v === 'string';

function isAdapterInfo(v: unknown): v is GpuAdapterInfo {
  return isObj(v) && isStr(v.vendor) && isStr(v.architecture) && isStr(v.device) && isStr(v.description) && typeof v.software === 'boolean';
}

function isDoctorBackend(v: unknown): v is DoctorBackend {
  return (
    isObj(v) &&
    isStr(v.name) &&
    typeof v.available === 'boolean' &&
    isStrOrNull(v.device) &&
    isStrOrNull(v.reason) &&
    isStrOrNull(v.note) &&
    (v.adapter === null || isAdapterInfo(v.adapter))
  );
}

/** Validates doctor's JSON (a child process's output): the report, or null. */
export function parseDoctorReport(v: unknown): DoctorReport | null {
  if (!isObj(v) || v.version !== DOCTOR_REPORT_VERSION) return null;
  if (![v.node, v.tfjs, v.platform, v.arch].every(isStr)) return null;
  if (!Array.isArray(v.backends) || !v.backends.every(isDoctorBackend)) return null;
  if (!Array.isArray(v.adapters) || !v.adapters.every((a) => isObj(a) && isStr(a.backend) && isStr(a.name))) return null;
  if (!(v.tensorflowGpuUsesGpu === null || typeof v.tensorflowGpuUsesGpu === 'boolean')) return null;
  if (!isStrOrNull(v.dawn)) return null;
  const vk = v.vulkan;
  if (!(
    vk === null ||
    (isObj(vk) && isStrOrNull(vk.loader) && Array.isArray(vk.drivers) && vk.drivers.every(isStr) && isStrOrNull(vk.nvidiaDriver))
  ))
    return null;
  const auto = v.auto;
  if (!isObj(auto) || !isStr(auto.used) || !isStr(auto.device) || !Array.isArray(auto.fallbacks) || !auto.fallbacks.every(isStr))
    return null;
  return v as unknown as DoctorReport;
}
