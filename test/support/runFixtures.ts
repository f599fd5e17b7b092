// Builders for hand-made run folders, used by unit tests, the e2e harness and the benchmark.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  EVENTS_FILE,
  METRICS_FILE,
  RUN_FILE,
  RUN_FORMAT_VERSION,
  type EpochMetrics,
  type LayerDecomposition,
  type RunConfig,
  type RunEvent,
  type RunInfo,
} from '../../src/runs/types';

export function sampleConfig(over: Partial<RunConfig> = {}): RunConfig {
  return {
    model: 'small-cnn',
    dataset: 'mnist',
    epochs: 6,
    decomposeAt: 2,
    reconstructAt: null,
    finetuneAfterTraining: null,
    rankPolicy: 'vbmf',
    quantize: null,
    batchSize: 64,
    lr: 0.01,
    lrMilestones: [],
    lrGamma: 0.1,
    momentum: 0.9,
    weightDecay: 5e-4,
    seed: 1,
    backend: 'auto',
    runsDir: 'runs',
    name: null,
    checkpointEvery: null,
    checkpointMinutes: null,
    trainSubset: null,
    logEverySteps: 50,
    autoMinEpoch: 2,
    autoMaxEpoch: null,
    keepFirstConv: true,
    switchLr: 'keep',
    factorDecay: null,
    decide: 'measured',
    decomposePointwise: false,
    decomposeDense: false,
    freeze: 'none',
    threads: null,
    ...over,
  };
}

export function sampleRunInfo(id: string, over: Partial<RunInfo> = {}): RunInfo {
  return {
    version: RUN_FORMAT_VERSION,
    id,
    name: id,
    createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: '2025-01-01T00:00:01.000Z',
    endedAt: null,
    status: 'completed',
    pid: null,
    config: sampleConfig(),
    backend: { requested: 'auto', used: 'wasm', device: 'CPU (wasm SIMD, 1 thread)', fallbacks: [] },
    host: { hostname: hostname(), platform: 'linux', arch: 'x64', cpus: 2, node: 'v20' },
    error: null,
    ...over,
  };
}

/** Metrics for `epochs` epochs: accuracy rising, loss falling, epochs faster after `decomposeAt`. */
export function sampleMetrics(epochs: number, decomposeAt: number | null = 2, startEpoch = 1): EpochMetrics[] {
  const out: EpochMetrics[] = [];
  let seconds = 0;
  for (let e = 1; e < startEpoch; e++) seconds += decomposeAt !== null && e > decomposeAt ? 6 : 10;
  for (let e = startEpoch; e < startEpoch + epochs; e++) {
    const decomposed = decomposeAt !== null && e > decomposeAt;
    const epochSeconds = decomposed ? 6 : 10;
    seconds += epochSeconds;
    const acc = 1 - 0.9 * Math.exp(-e / 3);
    out.push({
      epoch: e,
      step: e * 100,
      phase: decomposed ? 'decomposed' : 'original',
      trainLoss: 2.3 * Math.exp(-e / 3),
      trainAccuracy: acc,
      valLoss: 2.4 * Math.exp(-e / 3),
      valAccuracy: acc - 0.01,
      lr: 0.01,
      seconds,
      epochSeconds,
      imagesPerSecond: 6400 / epochSeconds,
      params: decomposed ? 40000 : 100000,
    });
  }
  return out;
}

export function sampleLayers(): LayerDecomposition[] {
  return [
    {
      name: 'conv1',
      type: 'Conv2D',
      kernel: [3, 3, 1, 32],
      k1: null,
      k2: null,
      rank: null,
      skipped: 'Cin = 1: nothing to gain',
      paramsBefore: 320,
      paramsAfter: 320,
      compression: null,
      speedup: null,
      approximationError: null,
      seconds: 0.01,
    },
    {
      name: 'conv2',
      type: 'Conv2D',
      kernel: [3, 3, 32, 64],
      k1: 12,
      k2: 20,
      rank: null,
      skipped: null,
      paramsBefore: 18496,
      paramsAfter: 3008,
      compression: 6.1,
      speedup: 5.2,
      approximationError: 0.21,
      seconds: 0.2,
    },
  ];
}

export function decomposeEvent(epoch: number, seconds: number): RunEvent {
  return {
    type: 'decompose',
    time: '2025-01-01T00:01:00.000Z',
    epoch,
    seconds,
    durationSeconds: 0.3,
    policy: 'vbmf',
    paramsBefore: 100000,
    paramsAfter: 40000,
    layers: sampleLayers(),
  };
}

export function writeRunFolder(runsDir: string, info: RunInfo, metrics: EpochMetrics[] = [], events: RunEvent[] = []): string {
  const dir = join(runsDir, info.id);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(join(dir, RUN_FILE), JSON.stringify(info, null, 2) + '\n');
  writeFileSync(join(dir, METRICS_FILE), metrics.map((m) => JSON.stringify(m) + '\n').join(''));
  writeFileSync(join(dir, EVENTS_FILE), events.map((e) => JSON.stringify(e) + '\n').join(''));
  return dir;
}

export function appendLine(dir: string, file: typeof METRICS_FILE | typeof EVENTS_FILE, text: string): void {
  appendFileSync(join(dir, file), text);
}
