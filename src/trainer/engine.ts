// The training engine: runs one schedule end to end and describes it in its run folder
// (docs/design.md §3). Front doors (CLI, forked child) pass hooks for progress, logging and stop.
import type * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { hostname, cpus, platform, arch } from 'node:os';
import { join, resolve } from 'node:path';
import { parseRankPolicy } from '../core/rankPolicy';
import { createRng } from '../core/random';
import { decomposeModel, reconstructModel } from './surgery';
import type { TrainerMessage } from '../protocol';
import { keepMetricsUpTo, newRunId, RunWriter } from '../runs/writer';
import { isProcessAlive, readRunInfoSync } from '../runs/reader';
import { lastCheckpoint, type CheckpointMeta } from '../runs/checkpoints';
import {
  CHECKPOINTS_DIR,
  RUN_FILE,
  RUN_FORMAT_VERSION,
  type BackendInfo,
  type BackendName,
  type EpochMetrics,
  type Phase,
  type RunConfig,
  type RunInfo,
  type RunStatus,
} from '../runs/types';
import { UserError } from '../core/userError';
import { setupBackend } from './backend/setup';
import { loadDataset, type Dataset } from './data';
import { evaluate, predictBatch, trainEpoch, NonFiniteLossError, type StepProgress } from './loop';
import { loadModel, saveModel } from './modelIO';
import { phaseOf, totalEpochs, transitionAfter } from '../runs/schedule';
import { learningRateAt, Sgd } from './sgd';
import { buildZooModel, isZooName } from './zoo';

export interface EngineHooks {
  /** Every record also written to the run folder, plus live step progress. */
  onMessage?: (m: TrainerMessage) => void;
  log?: (line: string) => void;
  /** Polled between steps; true finishes the current step, checkpoints and stops. */
  shouldStop?: () => boolean;
}

export interface RunOutcome {
  runDir: string;
  status: RunStatus;
  run: RunInfo;
}

function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

function hostInfo(): RunInfo['host'] {
  return { hostname: hostname(), platform: platform(), arch: arch(), cpus: cpus().length, node: process.version };
}

function backendUsed(backend: string, device: string): BackendName {
  if (backend === 'tensorflow') return /gpu/i.test(device) ? 'tensorflow-gpu' : 'tensorflow';
  return backend === 'wasm' ? 'wasm' : 'cpu';
}

async function buildModel(config: RunConfig, data: Dataset): Promise<tf.LayersModel> {
  if (isZooName(config.model))
    return buildZooModel(config.model, { inputShape: data.inputShape, numClasses: data.numClasses, seed: config.seed });
  const model = await loadModel(config.model);
  const inShape = model.inputs[0].shape.slice(1);
  if (inShape.join('x') !== data.inputShape.join('x')) {
    throw new UserError(
      `--model ${config.model}: its input is ${inShape.join('×')} but dataset '${config.dataset}' gives ${data.inputShape.join('×')} images; pick a matching dataset or model`,
    );
  }
  const outUnits = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (outUnits !== data.numClasses)
    throw new UserError(
      `--model ${config.model}: it has ${outUnits} outputs but dataset '${config.dataset}' has ${data.numClasses} classes`,
    );
  return model;
}

class Session {
  private writer!: RunWriter;
  private model!: tf.LayersModel;
  private data!: Dataset;
  private opt!: Sgd;
  private step = 0;
  private secondsBefore = 0; // seconds of earlier sessions of this run (resume)
  private t0 = performance.now();
  private log: (line: string) => void;

  constructor(
    private config: RunConfig,
    private hooks: EngineHooks,
  ) {
    this.log = hooks.log ?? (() => {});
  }

  private seconds(): number {
    return this.secondsBefore + (performance.now() - this.t0) / 1000;
  }

  private emit(m: TrainerMessage): void {
    this.hooks.onMessage?.(m);
  }

  private async checkpoint(label: string, epochsCompleted: number, phase: Phase, epoch: number): Promise<void> {
    const dir = this.writer.checkpointDir(label);
    await saveModel(this.model, dir, { label, epochsCompleted, step: this.step, seconds: this.seconds(), phase } satisfies CheckpointMeta);
    const event = {
      type: 'checkpoint' as const,
      time: new Date().toISOString(),
      epoch,
      label,
      path: join(CHECKPOINTS_DIR, label, 'model.json'),
    };
    this.writer.appendEvent(event);
    this.emit({ type: 'event', event });
  }

  async start(): Promise<RunOutcome> {
    const id = newRunId(this.config.name);
    const runDir = join(this.config.runsDir, id);
    const now = new Date().toISOString();
    const info: RunInfo = {
      version: RUN_FORMAT_VERSION,
      id,
      name: this.config.name ?? `${this.config.model} on ${this.config.dataset}`,
      createdAt: now,
      startedAt: null,
      endedAt: null,
      status: 'running',
      pid: process.pid,
      config: this.config,
      backend: null,
      host: hostInfo(),
      error: null,
    };
    this.writer = RunWriter.create(runDir, info);
    this.log(`run folder: ${runDir}`);
    return this.guard(async () => {
      await this.prepare();
      this.model = await buildModel(this.config, this.data);
      return this.train(1);
    });
  }

  async resume(runDir: string): Promise<RunOutcome> {
    const run = readRunInfoSync(runDir);
    if (!run) throw new UserError(`${runDir}: run.json is not a valid run description; it cannot be resumed`);
    if (run.status === 'running' && run.pid && isProcessAlive(run.pid) && run.pid !== process.pid) {
      throw new UserError(`${runDir}: still running (process ${run.pid}); stop it before resuming`);
    }
    if (run.status === 'completed') throw new UserError(`${runDir}: already completed; nothing to resume`);
    const ckpt = lastCheckpoint(runDir);
    if (!ckpt) throw new UserError(`${runDir}: no checkpoint to resume from; start a new run instead`);
    this.config = run.config;
    this.writer = RunWriter.reopen(runDir, run);
    this.writer.update({ status: 'running', pid: process.pid, endedAt: null, error: null, resumedFrom: ckpt.meta.label });
    keepMetricsUpTo(runDir, ckpt.meta.epochsCompleted);
    this.step = ckpt.meta.step;
    this.secondsBefore = ckpt.meta.seconds;
    this.log(
      `resuming ${runDir} from checkpoint '${ckpt.meta.label}' (epoch ${ckpt.meta.epochsCompleted + 1} of ${totalEpochs(this.config)})`,
    );
    return this.guard(async () => {
      await this.prepare();
      this.model = await loadModel(join(ckpt.dir, 'model.json'));
      return this.train(ckpt.meta.epochsCompleted + 1);
    });
  }

  private async prepare(): Promise<void> {
    const b = await setupBackend(this.config.backend);
    const backend: BackendInfo = {
      requested: this.config.backend,
      used: backendUsed(b.backend, b.device),
      device: b.device,
      fallbacks: b.fallbacks,
    };
    for (const f of b.fallbacks) this.log(`backend: ${f}`);
    this.log(`backend: ${backend.used} on ${backend.device}`);
    this.data = loadDataset(this.config.dataset);
    this.log(`dataset: ${this.data.description}`);
    this.writer.update({ backend, startedAt: this.writer.run.startedAt ?? new Date().toISOString() });
    this.t0 = performance.now();
    this.emit({ type: 'started', runDir: this.writer.dir, run: this.writer.run });
  }

  private async guard(body: () => Promise<RunOutcome>): Promise<RunOutcome> {
    try {
      return await body();
    } catch (e) {
      const message = e instanceof NonFiniteLossError || e instanceof UserError ? e.message : `${(e as Error).message ?? String(e)}`;
      this.writer.appendEvent({ type: 'error', time: new Date().toISOString(), epoch: null, message });
      this.writer.update({ status: 'failed', endedAt: new Date().toISOString(), error: message, pid: null });
      this.emit({ type: 'failed', error: message, runDir: this.writer.dir });
      this.log(`failed: ${message}`);
      if (!(e instanceof NonFiniteLossError)) throw e;
      return { runDir: this.writer.dir, status: 'failed', run: this.writer.run };
    } finally {
      this.opt?.dispose();
      this.model?.dispose();
    }
  }

  private async train(firstEpoch: number): Promise<RunOutcome> {
    const c = this.config;
    const total = totalEpochs(c);
    const rng = createRng(c.seed * 7919 + firstEpoch);
    this.opt = new Sgd(c.lr, c.momentum, c.weightDecay);
    const originalParams = trainableParams(this.model);
    this.log(`model: ${c.model}, ${originalParams.toLocaleString('en-US')} trainable parameters; ${total} epochs`);
    if (firstEpoch === 1 && transitionAfter(c, 0) === 'decompose') await this.decompose(0);

    for (let epoch = firstEpoch; epoch <= total; epoch++) {
      const phase = phaseOf(c, epoch);
      this.opt.lr = learningRateAt(epoch, c.lr, c.lrMilestones, c.lrGamma);
      let lastProgress = 0;
      const r = await trainEpoch(this.model, this.data, this.opt, c.batchSize, rng, {
        shouldStop: this.hooks.shouldStop,
        onStep: (p: StepProgress) => {
          this.step++;
          const now = performance.now();
          if (now - lastProgress < 250 && p.step < p.steps) return;
          lastProgress = now;
          const remainingImages = (p.steps - p.step) * c.batchSize + (total - epoch) * this.data.train.n;
          this.emit({
            type: 'progress',
            epoch,
            step: p.step,
            stepsPerEpoch: p.steps,
            loss: p.loss,
            accuracy: p.accuracy,
            imagesPerSecond: p.imagesPerSecond,
            etaSeconds: p.imagesPerSecond > 0 ? remainingImages / p.imagesPerSecond : null,
          });
        },
      });
      if (r.stopped) return this.stop(epoch - 1, phase, epoch);
      const val = evaluate(this.model, this.data.val, this.data.inputShape, this.data.numClasses);
      const record: EpochMetrics = {
        epoch,
        step: this.step,
        phase,
        trainLoss: r.loss,
        trainAccuracy: r.accuracy,
        valLoss: val.loss,
        valAccuracy: val.accuracy,
        lr: this.opt.lr,
        seconds: this.seconds(),
        epochSeconds: r.seconds,
        imagesPerSecond: r.images / r.seconds,
        params: trainableParams(this.model),
      };
      if (!Number.isFinite(val.loss))
        throw new NonFiniteLossError(`the validation loss became ${val.loss} after epoch ${epoch}; lower --lr (now ${this.opt.lr})`);
      this.writer.appendMetrics(record);
      this.emit({ type: 'metrics', record });
      this.log(
        `epoch ${epoch}/${total} [${phase}] loss ${r.loss.toFixed(4)} acc ${(r.accuracy * 100).toFixed(2)}% | val loss ${val.loss.toFixed(4)} acc ${(val.accuracy * 100).toFixed(2)}% | ${r.seconds.toFixed(1)} s, ${(r.images / r.seconds).toFixed(0)} img/s`,
      );

      const t = transitionAfter(c, epoch);
      if (t === 'decompose') await this.decompose(epoch);
      else if (t === 'reconstruct') await this.reconstruct(epoch);
      if (c.checkpointEvery && epoch % c.checkpointEvery === 0 && epoch < total)
        await this.checkpoint(`epoch-${epoch}`, epoch, phase, epoch);
      if (this.hooks.shouldStop?.() && epoch < total) return this.stop(epoch, phase, epoch);
    }
    await this.checkpoint('final', total, phaseOf(c, total), total);
    return this.finish('completed');
  }

  private async decompose(epoch: number): Promise<void> {
    const t0 = performance.now();
    const policy = parseRankPolicy(this.config.rankPolicy);
    this.log(
      `decomposing after epoch ${epoch} (${this.config.rankPolicy}${this.config.quantize ? `, quantize ${this.config.quantize}` : ''})…`,
    );
    const before = trainableParams(this.model);
    const d = await decomposeModel(this.model, { policy, quantize: this.config.quantize ?? undefined });
    this.model.dispose();
    this.model = d.model;
    this.opt.reset(); // momentum buffers belonged to the old weights
    const after = trainableParams(this.model);
    const event = {
      type: 'decompose' as const,
      time: new Date().toISOString(),
      epoch,
      seconds: this.seconds(),
      durationSeconds: (performance.now() - t0) / 1000,
      policy: this.config.rankPolicy,
      paramsBefore: before,
      paramsAfter: after,
      layers: d.layers,
    };
    this.writer.appendEvent(event);
    this.emit({ type: 'event', event });
    for (const l of d.layers)
      this.log(
        l.skipped
          ? `  ${l.name}: skipped: ${l.skipped}`
          : `  ${l.name}: K1=${l.k1} K2=${l.k2} M=${l.compression?.toFixed(2)} E=${l.speedup?.toFixed(2)} err=${l.approximationError?.toFixed(3)}`,
      );
    this.log(
      `decomposed ${d.layers.filter((l) => !l.skipped).length} of ${d.layers.length} convolutions: ${before.toLocaleString('en-US')} → ${after.toLocaleString('en-US')} parameters in ${event.durationSeconds.toFixed(1)} s`,
    );
    await this.checkpoint('decomposed', epoch, phaseOf(this.config, epoch + 1), epoch);
  }

  private async reconstruct(epoch: number): Promise<void> {
    const t0 = performance.now();
    const before = trainableParams(this.model);
    const n = Math.min(16, this.data.val.n);
    const size = this.data.inputShape.reduce((a, b) => a * b, 1);
    const probe = this.data.val.x.subarray(0, n * size);
    const y0 = predictBatch(this.model, probe, n, this.data.inputShape);
    const merged = await reconstructModel(this.model);
    const y1 = predictBatch(merged, probe, n, this.data.inputShape);
    this.model.dispose();
    this.model = merged;
    this.opt.reset();
    let num = 0,
      den = 0;
    for (let i = 0; i < y0.length; i++) {
      num = Math.max(num, Math.abs(y0[i] - y1[i]));
      den = Math.max(den, Math.abs(y0[i]));
    }
    const event = {
      type: 'reconstruct' as const,
      time: new Date().toISOString(),
      epoch,
      seconds: this.seconds(),
      durationSeconds: (performance.now() - t0) / 1000,
      paramsBefore: before,
      paramsAfter: trainableParams(this.model),
      maxOutputDifference: den > 0 ? num / den : num,
    };
    this.writer.appendEvent(event);
    this.emit({ type: 'event', event });
    this.log(
      `reconstructed after epoch ${epoch}: ${before.toLocaleString('en-US')} → ${event.paramsAfter.toLocaleString('en-US')} parameters, outputs differ by ${event.maxOutputDifference?.toExponential(1)} (relative)`,
    );
    await this.checkpoint('reconstructed', epoch, phaseOf(this.config, epoch + 1), epoch);
  }

  private async stop(epochsCompleted: number, phase: Phase, epoch: number): Promise<RunOutcome> {
    await this.checkpoint(`stopped-${epoch}`, epochsCompleted, phase, epoch);
    this.writer.appendEvent({ type: 'stopped', time: new Date().toISOString(), epoch, reason: 'stop requested' });
    this.log(`stopped during epoch ${epoch}; resume with: tucker-train resume ${this.writer.dir}`);
    return this.finish('stopped');
  }

  private finish(status: RunStatus): RunOutcome {
    this.writer.update({ status, endedAt: new Date().toISOString(), pid: null });
    this.emit({ type: 'finished', status, runDir: this.writer.dir });
    return { runDir: this.writer.dir, status, run: this.writer.run };
  }
}

export function startRun(config: RunConfig, hooks: EngineHooks = {}): Promise<RunOutcome> {
  return new Session(config, hooks).start();
}

export function resumeRun(runDir: string, hooks: EngineHooks = {}): Promise<RunOutcome> {
  const dir = resolve(runDir);
  if (!existsSync(join(dir, RUN_FILE))) throw new UserError(`${runDir}: no run.json here; give a run folder (runs/<id>)`);
  return new Session({} as RunConfig, hooks).resume(dir);
}
