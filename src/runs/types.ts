// The run folder contract (docs/design.md §3), shared by the trainer (writer), the CLI, the extension
// and the webview (readers). Every field is plain JSON. Bump RUN_FORMAT_VERSION on a breaking change.

export const RUN_FORMAT_VERSION = 1;

export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const EVENTS_FILE = 'events.jsonl';
export const CHECKPOINTS_DIR = 'checkpoints';

export type RunStatus = 'running' | 'completed' | 'failed' | 'stopped';
export type Phase = 'original' | 'decomposed' | 'reconstructed' | 'finetune';
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendRequest = 'auto' | BackendName;

/** Fully resolved training configuration; also the shape of a `--config` / `*.tucker.json` file. */
export interface RunConfig {
  model: string;                       // zoo name (small-cnn, vgg19, resnet56, densenet40) or path to a model.json
  dataset: string;                     // mnist | synthetic | cifar10:<dir>
  epochs: number;
  decomposeAt: number | null;          // epoch after which to decompose (null: baseline run)
  reconstructAt: number | null;        // epoch after which to merge back (null: never)
  finetuneAfterTraining: number | null; // "original then decomposed": extra fine-tune epochs after `epochs`
  rankPolicy: string;                  // vbmf | ratio:F | energy:F
  quantize: number | null;             // round ranks up to a multiple of N
  batchSize: number;
  lr: number;
  lrMilestones: number[];              // epochs at which lr *= lrGamma
  lrGamma: number;
  momentum: number;
  weightDecay: number;
  seed: number;
  backend: BackendRequest;
  runsDir: string;
  name: string | null;
  checkpointEvery: number | null;
}

export interface BackendInfo {
  requested: BackendRequest;
  used: BackendName;
  device: string;                      // e.g. "CPU (wasm SIMD, 1 thread)" or the GPU name
  fallbacks: string[];                 // one sentence per backend tried and not used, saying why
}

export interface HostInfo {
  hostname: string;
  platform: string;
  arch: string;
  cpus: number;
  node: string;
}

/** run.json: rewritten atomically (temp file + rename) on every status change. */
export interface RunInfo {
  version: number;
  id: string;                          // folder name
  name: string;
  createdAt: string;                   // ISO 8601
  startedAt: string | null;
  endedAt: string | null;
  status: RunStatus;
  pid: number | null;                  // process that owns the run while it is running
  config: RunConfig;
  backend: BackendInfo | null;
  host: HostInfo;
  error: string | null;                // set when status is failed
  resumedFrom?: string | null;         // checkpoint label a resumed run continued from
}

/** One line of metrics.jsonl, per epoch. */
export interface EpochMetrics {
  epoch: number;                       // 1-based, counted over the whole schedule
  step: number;                        // optimizer steps since the start of the run
  phase: Phase;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  lr: number;
  seconds: number;                     // wall-clock seconds since the run started, decomposition time included
  epochSeconds: number;
  imagesPerSecond: number;
  params: number;                      // trainable parameters of the network in this phase
}

export interface LayerDecomposition {
  name: string;
  type: 'Conv2D' | 'Dense';
  kernel: number[];                    // [kh, kw, Cin, Cout] or [in, out]
  k1: number | null;                   // input-channel rank
  k2: number | null;                   // output-channel rank
  rank: number | null;                 // SVD rank (Dense / 1x1)
  skipped: string | null;              // why the layer was left as it was
  paramsBefore: number;
  paramsAfter: number;
  compression: number | null;          // eq. 10 (M)
  speedup: number | null;              // eq. 11 (E)
  approximationError: number | null;   // ||W - W_hat|| / ||W||
  seconds: number;
}

export type RunEvent =
  | { type: 'decompose'; time: string; epoch: number; seconds: number; durationSeconds: number; policy: string; paramsBefore: number; paramsAfter: number; layers: LayerDecomposition[] }
  | { type: 'reconstruct'; time: string; epoch: number; seconds: number; durationSeconds: number; paramsBefore: number; paramsAfter: number; maxOutputDifference: number | null }
  | { type: 'checkpoint'; time: string; epoch: number; label: string; path: string }
  | { type: 'stopped'; time: string; epoch: number; reason: string }
  | { type: 'error'; time: string; epoch: number | null; message: string };
