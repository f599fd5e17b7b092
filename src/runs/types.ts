// The run folder contract (docs/design.md §3), shared by the trainer (writer), the CLI, the extension
// and the webview (readers). Every field is plain JSON. Bump RUN_FORMAT_VERSION on a breaking change.

export const RUN_FORMAT_VERSION = 1;

export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const EVENTS_FILE = 'events.jsonl';
/** Per-step training records (docs/design.md §3.6): progress inside an epoch. */
export const STEPS_FILE = 'steps.jsonl';
export const CHECKPOINTS_DIR = 'checkpoints';
/** Study folders (`studies/<studyId>/study.json`, src/study): inside the runs directory, never a run. */
export const STUDIES_DIR = 'studies';

/** `queued`: a Slurm job was submitted for the run and has not started training yet (src/executor). */
export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'stopped';
export type Phase = 'original' | 'decomposed' | 'reconstructed' | 'finetune';
export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendRequest = 'auto' | BackendName;
/** Every value of `--backend` / `backend`, `auto` first then `auto`'s order (docs/design.md §6.1). */
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

/** Fully resolved training configuration; also the shape of a `--config` / `*.tucker.json` file. */
export interface RunConfig {
  model: string;                       // zoo name (small-cnn, vgg19, resnet56, resnet56-pad, densenet40) or path to a model.json
  dataset: string;                     // mnist | fashion-mnist[:<dir>] | idx:<dir> | synthetic[:HxWxC] | cifar10:<dir>
  epochs: number;
  decomposeAt: number | 'auto' | null; // epoch after which to decompose; 'auto': when the ranks settle (docs/design.md §4.4); null: baseline run
  reconstructAt: number | null;        // epoch after which to merge back (null: never)
  finetuneAfterTraining: number | null; // "original then decomposed": extra fine-tune epochs after `epochs`
  rankPolicy: string;                  // vbmf | ratio:F | energy:F
  quantize: number | 'auto' | null;    // round ranks up to a multiple of N; 'auto': the measured choice (decide 'measured', §5.7)
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
  checkpointMinutes?: number | null;  // a periodic checkpoint at the first epoch end this long after the last one (absent in older run.json: none)
  autoMinEpoch?: number;               // decomposeAt 'auto': never decompose before this epoch
  autoMaxEpoch?: number | null;        // decomposeAt 'auto': decompose after this epoch at the latest (null: derived, §4.4)
  keepFirstConv?: boolean;             // keep the first Conv2D full-rank (Pufferfish's hybrid; absent in older run.json: false)
  switchLr?: string;                   // learning rate after decomposing: 'keep' or 'restart:N' (absent: keep)
  factorDecay?: number | null;         // X·‖G ×₁ U_in ×₂ U_out‖² per Tucker block instead of weight decay on its factors (absent: none)
  trainSubset?: number | null;         // train on a fixed class-balanced subset of N images (absent in older run.json: the whole split)
  decide?: 'measured' | 'flops';      // per layer: time the forms on the backend and keep the fastest, or trust the FLOP count (absent: flops, §5.7)
  decomposePointwise?: boolean;        // also split 1×1 convolutions by SVD (absent: false)
  decomposeDense?: boolean;            // also split Dense layers by SVD (absent: false)
  logEverySteps?: number;              // a steps.jsonl record every N optimizer steps, and after 5 s without one; 0: none (absent: the default, §3.6)
  freeze?: string;                     // after decomposing: 'none' or 'sequential[:K]' (one factor group trains per K epochs, §4.5; absent: none)
  threads?: number | null;             // wasm: threads for convolutions (null/absent: from the cores available, §6.3)
}

export interface BackendInfo {
  requested: BackendRequest;
  used: BackendName;
  device: string;                      // e.g. "CPU (wasm SIMD, 1 thread)" or the GPU name
  fallbacks: string[];                 // one sentence per backend tried and not used, saying why
  adapter?: GpuAdapterInfo | null;     // webgpu only: the adapter Dawn gave (absent in older run.json)
  threads?: number;                    // wasm: threads computing convolutions (absent in older run.json: 1 unless set by the environment)
  threadsReason?: string | null;       // wasm: why that many (--threads, TUCKER_TRAIN_WASM_THREADS, or the cores available)
}

/** A WebGPU adapter as Dawn describes it (GPUAdapterInfo), and whether it is a software one. */
export interface GpuAdapterInfo {
  vendor: string;                      // e.g. "nvidia", "mesa"
  architecture: string;                // e.g. "hopper", "software"
  device: string;
  description: string;                 // e.g. "NVIDIA H200", "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)"
  software: boolean;                   // a CPU emulating a GPU (lavapipe, SwiftShader, WARP): never chosen by auto
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
  pidStart?: string | null;            // when that process started (runs/processIdentity.ts), so a reused pid is not taken for it
  config: RunConfig;
  backend: BackendInfo | null;
  host: HostInfo;
  error: string | null;                // set when status is failed
  resumedFrom?: string | null;         // checkpoint label a resumed run continued from
  decomposedAt?: number | null;        // epoch after which the network was decomposed (set when it happens; for 'auto', the chosen epoch)
  executor?: RunExecutorInfo;          // where the run trains: absent = local (this machine, the process in `pid`)
  // Set by the user in VS Code (runs/annotations.ts), kept by the trainer's later rewrites:
  displayName?: string | null;         // Rename: the name shown instead of `name` (the folder keeps its id)
  tags?: string[];                     // Tag: short labels shown in the Runs tree and the experiments table
  starred?: boolean;                   // Star
}

/** The Slurm job that trains a run (src/executor/slurm, docs/design.md §11). */
export interface SlurmJobInfo {
  jobId: string | null;                // null between writing run.json and sbatch answering
  submittedAt: string;
  script: string;                      // the job script as submitted (also in the run folder as slurm-job.sh)
  sbatchArgs: string[];                // what sbatch was given besides the script (extra arguments, the dependency)
  options: SlurmOptions;               // to resubmit the same way (resume of a time-limited run)
  state?: string | null;               // Slurm's last known state (PENDING, RUNNING, TIMEOUT, …)
  reason?: string | null;              // Slurm's reason in words ("time limit", "waiting for resources", …)
  previousJobs?: string[];             // earlier jobs of this run (before a resubmission)
}

/** Slurm settings of a run or study: each null means "the cluster's default". */
export interface SlurmOptions {
  partition: string | null;
  gres: string | null;                 // e.g. gpu:1
  cpus: number | null;                 // --cpus-per-task
  mem: string | null;                  // e.g. 16G
  time: string | null;                 // e.g. 2:00:00, 1-00:00:00, 30 (minutes)
  account: string | null;
  extraArgs: string[];                 // more sbatch arguments, each one word (e.g. --qos=high)
  template: string | null;             // a job-script template file (docs/design.md §11)
}

export interface RunExecutorInfo {
  kind: 'local' | 'slurm';
  slurm?: SlurmJobInfo;
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
  trainableGroup?: 'first' | 'core' | 'last'; // sequential freezing: the only factor group of the Tucker blocks that trained (absent: all)
}

/**
 * One line of steps.jsonl (docs/design.md §3.6): the training loss and accuracy averaged over the
 * steps since the previous record (a smoothed, not a single-batch, value), with the rate then.
 */
export interface StepMetrics {
  epoch: number;                       // the epoch these steps belong to (1-based; not completed yet)
  step: number;                        // optimizer steps since the start of the run, after the last step of the window
  epochStep: number;                   // steps done in this epoch (1-based)
  stepsPerEpoch: number;
  phase: Phase;
  trainLoss: number;                   // mean over the window's images
  trainAccuracy: number;
  steps: number;                       // optimizer steps in the window
  lr: number;                          // the learning rate of the window's last step
  seconds: number;                     // run clock (as EpochMetrics.seconds) at the end of the window
  imagesPerSecond: number;             // over the window
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
  rule?: string;                       // what chose the ranks: the policy, 'override', or why the layer was kept
  policyRanks?: number[];              // the policy's ranks before minimum / quantization ([k1, k2] or [rank]), when they differ
  measured?: MeasuredLayer;            // decide 'measured': the timings and the choice (absent: decided by FLOPs)
  seconds: number;
}

/** decide 'measured' (docs/design.md §5.7): one layer's forward + backward times on the run's backend. */
export interface MeasuredLayer {
  batch: number;
  originalMs: number;                  // median ms of the layer as it is
  candidates: { ranks: number[]; label: string; ms: number }[]; // decomposed forms timed ('policy', 'quantize:8', …)
  chosen: number | null;               // index into candidates; null: kept dense
  reason: string;                      // one sentence, e.g. "kept dense: decomposed 1.30× slower here (…)"
}

export type RunEvent =
  | { type: 'decompose'; time: string; epoch: number; seconds: number; durationSeconds: number; policy: string; paramsBefore: number; paramsAfter: number; layers: LayerDecomposition[] }
  | { type: 'reconstruct'; time: string; epoch: number; seconds: number; durationSeconds: number; paramsBefore: number; paramsAfter: number; maxOutputDifference: number | null }
  | { type: 'checkpoint'; time: string; epoch: number; label: string; path: string }
  | { type: 'stopped'; time: string; epoch: number; reason: string }
  | { type: 'error'; time: string; epoch: number | null; message: string }
  | {
      type: 'ranks';
      time: string;
      epoch: number;
      seconds: number;
      durationSeconds: number;
      /** The policy k1/k2 follow (absent in older runs: vbmf). */
      rankPolicy?: string;
      layers: LayerRanks[];
      decision: AutoDecision;
    };

/** One eligible layer's ranks after an epoch of the original network (decomposeAt 'auto'). */
export interface LayerRanks {
  name: string;
  kernel: number[];                    // [kh, kw, Cin, Cout]
  k1: number;                          // the run's policy's rank of the input-channel unfolding (EVBMF for vbmf)
  k2: number;                          // … of the output-channel unfolding
  stableK1: number;                    // stable rank ‖W‖²/σ_max² of the same unfoldings
  stableK2: number;
}

/** The automatic decomposition rule's verdict after an epoch, with its reason in one sentence. */
export interface AutoDecision {
  decompose: boolean;
  reason: string;
  settledEpochs: number;               // consecutive epochs every layer's K1, K2 stayed within the tolerance
}
