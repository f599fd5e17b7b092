// The training engine: runs one schedule end to end and describes it in its run folder
// (docs/design.md §3). Front doors (CLI, forked child) pass hooks for progress, logging and stop.
import type * as tf from '@tensorflow/tfjs';
import { existsSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRng, type RngState } from '../core/random';
import { decomposeModel, reconstructModel } from './surgery';
import { decomposeOptionsFor, describeDecomposition } from './decomposeOptions';
import { layerLine } from '../runs/layerText';
import type { TrainerMessage } from '../protocol';
import { keepEventsUpTo, keepMetricsUpTo, keepStepsUpTo, newRunId, RunWriter } from '../runs/writer';
import { readRunInfoSync } from '../runs/reader';
import { hostInfo } from '../runs/hostInfo';
import { listCheckpoints, periodicCheckpointDue, prunePeriodicCheckpoints, type CheckpointMeta } from '../runs/checkpoints';
import { isSameProcess, processStartTime } from '../runs/processIdentity';
import { readTrainingState, trainingStateFiles, type TrainingState } from './trainingState';
import { StopRequested } from './stopRequested';
import { guardProcessExit } from './exitGuard';
import {
  CHECKPOINTS_DIR,
  RUN_FILE,
  RUN_FORMAT_VERSION,
  type BackendInfo,
  type BackendRequest,
  type EpochMetrics,
  type Phase,
  type RunConfig,
  type RunEvent,
  type RunInfo,
  type RunStatus,
} from '../runs/types';
import { UserError } from '../core/userError';
import { setupBackend } from './backend/setup';
import { THREADS_ENV } from './backend/threads';
import { loadDataset, type Dataset } from './data';
import { evaluateStoppable, predictBatch, trainEpoch, NonFiniteLossError, type StepProgress } from './loop';
import { loadModel, removeStaleCheckpointFolders, saveModel } from './modelIO';
import { totalEpochs, transitionAfter } from '../runs/schedule';
import { Sgd } from './sgd';
import { DecompositionPlan } from './decompositionPlan';
import { freezeFactors, parseFreeze, trainableGroupAt } from './freezing';
import { buildZooModel, isZooName } from './zoo';
import { StepLog } from './stepLog';
import { DEFAULT_LOG_EVERY_STEPS } from '../runs/steps';

export interface EngineHooks {
  /** Every record also written to the run folder, plus live step progress. */
  onMessage?: (m: TrainerMessage) => void;
  log?: (line: string) => void;
  /** Polled between steps; true finishes the current step, checkpoints and stops. */
  shouldStop?: () => boolean;
  /** The CLI's trainer process: record `failed` in the run folder on an uncaught error or an early exit. */
  guardProcess?: boolean;
}

export interface RunOutcome {
  runDir: string;
  status: RunStatus;
  run: RunInfo;
}

function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
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
  private backendInfo: BackendInfo | null = null;
  /** webgpu: rejects when the GPU is lost or fails; the run then ends as failed (docs/design.md §6.1). */
  private gpuFault: Promise<never> | null = null;
  /** The data generator at the last epoch boundary: what a checkpoint saves (a partial epoch is redone). */
  private rngBoundary: RngState | null = null;
  /** Restored from the checkpoint a resume continues from (null: a new run, or an older checkpoint). */
  private restored: TrainingState | null = null;
  /** A resume from a checkpoint taken inside a transition (a stop during decomposition): do it first. */
  private pendingTransition: CheckpointMeta['pendingTransition'] = null;
  /** When to decompose ('auto': the rank rule) and the recipe around it (docs/design.md §4.4). */
  private plan: DecompositionPlan | null = null;
  /** A resume that continues from a checkpoint (not from the start). */
  private fromCheckpoint = false;
  /** When this session last wrote a checkpoint (or started): the clock of --checkpoint-minutes. */
  private lastCheckpointAt = performance.now();
  private log: (line: string) => void;
  /** A resume: the backend the run's earlier sessions recorded (their wasm thread count). */
  private resumedBackend: BackendInfo | null = null;

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

  private async checkpoint(
    label: string,
    epochsCompleted: number,
    phase: Phase,
    epoch: number,
    pendingTransition: CheckpointMeta['pendingTransition'] = null,
  ): Promise<void> {
    const dir = this.writer.checkpointDir(label);
    const meta: CheckpointMeta = {
      label,
      epochsCompleted,
      step: this.step,
      seconds: this.seconds(),
      phase,
      events: this.writer.eventCount,
    };
    if (pendingTransition) meta.pendingTransition = pendingTransition;
    // Momentum and the data generator go with the weights, so a resume continues the same trajectory.
    const vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const state = this.rngBoundary ? trainingStateFiles({ rng: this.rngBoundary, momentum: await this.opt.exportMomentum(vars) }) : {};
    await saveModel(this.model, dir, { ...meta }, state);
    this.lastCheckpointAt = performance.now();
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
    // Everything that can refuse (backend, data, the model file) runs before the run folder exists.
    await this.prepare();
    try {
      this.model = await buildModel(this.config, this.data);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`--model ${this.config.model}: ${(e as Error).message}`);
    }
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
      pidStart: processStartTime(process.pid),
      config: this.config,
      backend: null,
      host: hostInfo(),
      error: null,
    };
    try {
      this.writer = RunWriter.create(runDir, info);
    } catch (e) {
      this.model.dispose();
      throw e;
    }
    this.log(`run folder: ${runDir}`);
    return this.guard(async () => {
      this.announce();
      return this.train(1);
    });
  }

  async resume(runDir: string, backend?: BackendRequest): Promise<RunOutcome> {
    const run = readRunInfoSync(runDir);
    if (!run) throw new UserError(`${runDir}: run.json is not a valid run description; it cannot be resumed`);
    if (run.status === 'running' && run.pid && run.pid !== process.pid && isSameProcess(run.pid, run.pidStart)) {
      throw new UserError(`${runDir}: still running (process ${run.pid}); stop it before resuming`);
    }
    if (run.status === 'completed') throw new UserError(`${runDir}: already completed; nothing to resume`);
    this.config = backend ? { ...run.config, backend } : run.config;
    this.resumedBackend = run.backend;
    // Nothing in the folder changes until the backend, the data and a checkpoint have loaded: a
    // resume that fails (the dataset moved away, every checkpoint damaged) leaves the run as it was.
    await this.prepare();
    const { meta, unusable } = await this.loadResumePoint(runDir);
    const label = meta?.label ?? 'start';
    const done = meta?.epochsCompleted ?? 0;
    for (const dir of unusable) {
      try {
        renameSync(dir, `${dir}.unusable`); // newer than the one used, so the lookup must not find it again
      } catch {
        /* gone meanwhile */
      }
    }
    removeStaleCheckpointFolders(join(runDir, CHECKPOINTS_DIR));
    keepMetricsUpTo(runDir, done);
    keepStepsUpTo(runDir, done, meta?.step ?? 0);
    const events = keepEventsUpTo(runDir, { label, epochsCompleted: done, events: meta ? meta.events : 0 });
    this.writer = RunWriter.reopen(runDir, run, events.kept);
    this.plan = DecompositionPlan.forResume(this.config, runDir, done);
    if (this.config.decomposeAt === 'auto') this.writer.update({ decomposedAt: this.plan.decided });
    this.writer.update({
      status: 'running',
      pid: process.pid,
      pidStart: processStartTime(process.pid),
      endedAt: null,
      error: null,
      resumedFrom: meta || run.status !== 'queued' ? label : null, // a queued Slurm run starts here for the first time
    });
    this.step = meta?.step ?? 0;
    this.secondsBefore = meta?.seconds ?? 0;
    this.pendingTransition = meta?.pendingTransition ?? null;
    this.fromCheckpoint = meta !== null;
    this.log(
      meta
        ? `resuming ${runDir} from checkpoint '${label}' (epoch ${done + 1} of ${totalEpochs(this.config)}${this.restored ? '' : '; an older checkpoint without momentum and data order: not an exact continuation'})`
        : `resuming ${runDir} from the start: it was interrupted before its first checkpoint`,
    );
    return this.guard(async () => {
      if (meta && !events.hasCheckpointEvent) {
        // The trainer died between writing the checkpoint and logging it.
        const epoch = Number(/-(\d+)$/.exec(label)?.[1] ?? done);
        const event = {
          type: 'checkpoint' as const,
          time: new Date().toISOString(),
          epoch,
          label,
          path: join(CHECKPOINTS_DIR, label, 'model.json'),
        };
        this.writer.appendEvent(event);
      }
      this.announce();
      return this.train(done + 1);
    });
  }

  /**
   * Loads the newest checkpoint whose model and training state load, trying older ones in turn;
   * without any checkpoint (killed before the first) the model is built as at the start. Only
   * reads: returns the checkpoints newer than the one used, for the caller to set aside.
   */
  private async loadResumePoint(runDir: string): Promise<{ meta: CheckpointMeta | null; unusable: string[] }> {
    const all = listCheckpoints(runDir);
    const problems: string[] = [];
    for (const [i, c] of all.entries()) {
      let model: tf.LayersModel | null = null;
      try {
        model = await loadModel(join(c.dir, 'model.json'));
        const state = readTrainingState(c.dir);
        if (state) {
          const sizes = model.trainableWeights.map((w) => w.shape.reduce((a: number, b) => a * (b ?? 1), 1));
          if (state.momentum.length !== sizes.length || state.momentum.some((m, j) => m !== null && m.length !== sizes[j]))
            throw new Error('its momentum buffers do not match the model');
        }
        this.model = model;
        this.restored = state;
        return { meta: c.meta, unusable: all.slice(0, i).map((x) => x.dir) };
      } catch (e) {
        model?.dispose();
        const message = (e as Error).message ?? String(e);
        problems.push(`'${c.meta.label}': ${message}`);
        this.log(`checkpoint '${c.meta.label}' does not load (${message}); trying an older one`);
      }
    }
    if (all.length) throw new UserError(`${runDir}: no checkpoint loads (${problems.join('; ')}); the run folder was left as it was`);
    this.model = await buildModel(this.config, this.data);
    return { meta: null, unusable: [] };
  }

  /**
   * The wasm thread count: the run's `threads`, else on a resume the count its earlier sessions
   * used (the filter gradients' summation order depends on it: a bit-exact continuation), else
   * none (the environment variable or the cores decide, threads.ts).
   */
  private threadRequest(): { wasmThreads?: number; wasmThreadsFrom?: string } {
    if (this.config.threads) return { wasmThreads: this.config.threads, wasmThreadsFrom: '--threads' };
    const earlier = this.resumedBackend;
    if (earlier?.used === 'wasm' && earlier.threads && !process.env[THREADS_ENV])
      return {
        wasmThreads: earlier.threads,
        wasmThreadsFrom: `as the run's earlier sessions (${earlier.threads}), for an exact continuation`,
      };
    return {};
  }

  private async prepare(): Promise<void> {
    const b = await setupBackend(this.config.backend, this.threadRequest());
    const backend: BackendInfo = {
      requested: this.config.backend,
      used: b.used,
      device: b.device,
      fallbacks: b.fallbacks,
      ...(b.adapter ? { adapter: b.adapter } : {}),
      ...(b.used === 'wasm' ? { threads: b.threads, threadsReason: b.threadsReason } : {}),
    };
    for (const f of b.fallbacks) this.log(`backend: ${f}`);
    for (const w of b.warnings) this.log(`warning: ${w}`);
    this.log(`backend: ${backend.used} on ${backend.device}`);
    if (b.used === 'wasm') this.log(`threads: ${b.threads} (${b.threadsReason})`);
    if (b.adapter)
      this.log(
        `adapter: ${[b.adapter.vendor, b.adapter.architecture, b.adapter.device].filter(Boolean).join(' / ')} (${b.adapter.software ? 'software' : 'hardware'})`,
      );
    this.gpuFault = b.fault;
    this.data = loadDataset(this.config.dataset, { trainSubset: this.config.trainSubset ?? null });
    this.log(`dataset: ${this.data.description}`);
    this.backendInfo = backend;
  }

  /** The run folder exists and the model is ready: record the backend, start the clock, say so. */
  private announce(): void {
    this.writer.update({ backend: this.backendInfo, startedAt: this.writer.run.startedAt ?? new Date().toISOString() });
    this.t0 = this.lastCheckpointAt = performance.now();
    this.emit({ type: 'started', runDir: this.writer.dir, run: this.writer.run });
  }

  private async guard(body: () => Promise<RunOutcome>): Promise<RunOutcome> {
    const unguard = this.hooks.guardProcess
      ? guardProcessExit(
          { open: () => this.writer.run.status === 'running', close: (status, message) => this.close(status, message) },
          this.log,
        )
      : () => {};
    try {
      // A GPU fault may leave a read-back waiting forever: the fault's rejection ends the run instead.
      return await (this.gpuFault ? Promise.race([body(), this.gpuFault]) : body());
    } catch (e) {
      const message = e instanceof NonFiniteLossError || e instanceof UserError ? e.message : `${(e as Error).message ?? String(e)}`;
      this.close('failed', message);
      this.emit({ type: 'failed', error: message, runDir: this.writer.dir });
      this.log(`failed: ${message}`);
      if (!(e instanceof NonFiniteLossError)) throw e;
      return { runDir: this.writer.dir, status: 'failed', run: this.writer.run };
    } finally {
      unguard();
      this.opt?.dispose();
      this.model?.dispose();
    }
  }

  /**
   * Ends the run as failed (or stopped) without throwing: the event may not fit on a full disk,
   * but run.json — small, and rewritten in place of a file of the same size — usually does.
   */
  private close(status: 'failed' | 'stopped', message: string): void {
    const time = new Date().toISOString();
    try {
      this.writer.appendEvent(
        status === 'failed' ? { type: 'error', time, epoch: null, message } : { type: 'stopped', time, epoch: 0, reason: message },
      );
    } catch {
      /* the status below matters more */
    }
    try {
      this.writer.update({ status, endedAt: time, error: status === 'failed' ? message : null, pid: null });
    } catch (e) {
      this.log(`could not record the end of the run in run.json: ${(e as Error).message}`);
    }
  }

  private async train(firstEpoch: number): Promise<RunOutcome> {
    const c = this.config;
    const total = totalEpochs(c);
    const rng = createRng(c.seed * 7919 + firstEpoch, this.restored?.rng);
    this.rngBoundary = rng.state();
    this.opt = new Sgd(c.lr, c.momentum, c.weightDecay);
    if (this.restored)
      this.opt.importMomentum(
        this.model.trainableWeights.map((w) => w.read() as tf.Variable),
        this.restored.momentum,
      );
    const plan = (this.plan ??= new DecompositionPlan(c));
    const freezeSpec = parseFreeze(c.freeze ?? 'none', 'freeze');
    plan.configureOptimizer(this.opt, this.model);
    const originalParams = trainableParams(this.model);
    this.log(`model: ${c.model}, ${originalParams.toLocaleString('en-US')} trainable parameters; ${total} epochs`);
    // Before the first epoch: the schedule's epoch-0 transition, or on a resume only what the checkpoint had left pending.
    const before = this.fromCheckpoint ? this.pendingTransition : firstEpoch === 1 ? transitionAfter(c, 0) : null;
    try {
      if (before === 'decompose') await this.decompose(firstEpoch - 1);
      else if (before === 'reconstruct') await this.reconstruct(firstEpoch - 1);
    } catch (e) {
      if (e instanceof StopRequested) return this.stop(firstEpoch - 1, plan.phase(firstEpoch), firstEpoch - 1, before);
      throw e;
    }

    const stepLog = new StepLog(c.logEverySteps ?? DEFAULT_LOG_EVERY_STEPS, this.seconds());
    for (let epoch = firstEpoch; epoch <= total; epoch++) {
      const phase = plan.phase(epoch);
      const epochLr = (this.opt.lr = plan.learningRate(epoch - 1)); // recorded: the rate at the epoch's start
      let lastProgress = 0;
      stepLog.restart(this.seconds());
      // Sequential freezing (docs/design.md §4.5): the trainable factor group follows from the epoch.
      const group = trainableGroupAt(freezeSpec, epoch, phase === 'decomposed' || phase === 'finetune' ? plan.decided : null);
      const freeze = freezeFactors(this.model, group);
      this.opt.freeze(freeze.frozen);
      if (group) this.log(`epoch ${epoch}: only the '${group}' factors of the Tucker blocks train (${freeze.frozen.size} weights frozen)`);
      const r = await trainEpoch(this.model, this.data, this.opt, c.batchSize, rng, {
        frozen: freeze.frozen,
        shouldStop: this.hooks.shouldStop,
        onStep: (p: StepProgress) => {
          this.step++;
          const stepRecord = stepLog.add({
            epoch,
            epochStep: p.step,
            stepsPerEpoch: p.steps,
            step: this.step,
            phase,
            batchLoss: p.batchLoss,
            batchCorrect: p.batchCorrect,
            batchImages: p.batchImages,
            lr: this.opt.lr,
            seconds: this.seconds(),
          });
          if (stepRecord) {
            this.writer.appendStep(stepRecord);
            this.emit({ type: 'step', record: stepRecord });
          }
          if (plan.varyingLr(epoch)) this.opt.lr = plan.learningRate(epoch - 1 + p.step / p.steps); // --switch-lr restart
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
      }).finally(freeze.restore);
      if (r.stopped) return this.stop(epoch - 1, phase, epoch);
      let val: { loss: number; accuracy: number };
      try {
        val = await evaluateStoppable(this.model, this.data.val, this.data.inputShape, this.data.numClasses, this.hooks.shouldStop);
      } catch (e) {
        if (e instanceof StopRequested) return this.stop(epoch - 1, phase, epoch);
        throw e;
      }
      const record: EpochMetrics = {
        epoch,
        step: this.step,
        phase,
        trainLoss: r.loss,
        trainAccuracy: r.accuracy,
        valLoss: val.loss,
        valAccuracy: val.accuracy,
        lr: epochLr,
        seconds: this.seconds(),
        epochSeconds: r.seconds,
        imagesPerSecond: r.images / r.seconds,
        params: trainableParams(this.model),
        ...(group ? { trainableGroup: group } : {}),
      };
      if (!Number.isFinite(val.loss))
        throw new NonFiniteLossError(`the validation loss became ${val.loss} after epoch ${epoch}; lower --lr (now ${this.opt.lr})`);
      this.writer.appendMetrics(record);
      this.rngBoundary = rng.state(); // a checkpoint from here on continues with epoch + 1
      this.emit({ type: 'metrics', record });
      this.log(
        `epoch ${epoch}/${total} [${phase}] loss ${r.loss.toFixed(4)} acc ${(r.accuracy * 100).toFixed(2)}% | val loss ${val.loss.toFixed(4)} acc ${(val.accuracy * 100).toFixed(2)}% | ${r.seconds.toFixed(1)} s, ${(r.images / r.seconds).toFixed(0)} img/s`,
      );

      const t = await plan.after(epoch, this.model, this.seconds(), (e) => this.recordRanks(e));
      try {
        if (t === 'decompose') await this.decompose(epoch);
        else if (t === 'reconstruct') await this.reconstruct(epoch);
      } catch (e) {
        if (e instanceof StopRequested) return this.stop(epoch, phase, epoch, t);
        throw e;
      }
      if (periodicCheckpointDue(c, epoch, total, (performance.now() - this.lastCheckpointAt) / 60_000)) {
        await this.checkpoint(`epoch-${epoch}`, epoch, phase, epoch);
        prunePeriodicCheckpoints(this.writer.dir); // the last KEEP_PERIODIC, besides the milestones
      }
      if (this.hooks.shouldStop?.() && epoch < total) return this.stop(epoch, phase, epoch);
    }
    // A resume from the final checkpoint (killed before run.json said completed) only closes the run.
    if (!(this.fromCheckpoint && firstEpoch > total)) await this.checkpoint('final', total, plan.phase(total), total);
    return this.finish('completed');
  }

  private async decompose(epoch: number): Promise<void> {
    const t0 = performance.now();
    this.log(`decomposing after epoch ${epoch} (${describeDecomposition(this.config)})…`);
    const before = trainableParams(this.model);
    const plan = this.plan!;
    const d = await decomposeModel(this.model, {
      ...decomposeOptionsFor(this.config),
      shouldStop: this.hooks.shouldStop,
      keep: plan.kept(this.model),
    });
    this.model.dispose();
    this.model = d.model;
    this.opt.reset(); // momentum buffers belonged to the old weights
    plan.decomposed(epoch);
    plan.configureOptimizer(this.opt, this.model);
    this.writer.update({ decomposedAt: epoch });
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
    for (const l of d.layers) this.log(layerLine(l));
    this.log(
      `decomposed ${d.layers.filter((l) => !l.skipped).length} of ${d.layers.length} ${d.layers.some((l) => l.type === 'Dense') ? 'layers' : 'convolutions'}: ${before.toLocaleString('en-US')} → ${after.toLocaleString('en-US')} parameters in ${event.durationSeconds.toFixed(1)} s`,
    );
    await this.checkpoint('decomposed', epoch, plan.phase(epoch + 1), epoch);
  }

  private async reconstruct(epoch: number): Promise<void> {
    const t0 = performance.now();
    const before = trainableParams(this.model);
    const n = Math.min(16, this.data.val.n);
    const size = this.data.inputShape.reduce((a, b) => a * b, 1);
    const probe = this.data.val.x.subarray(0, n * size);
    const y0 = await predictBatch(this.model, probe, n, this.data.inputShape);
    const merged = await reconstructModel(this.model);
    const y1 = await predictBatch(merged, probe, n, this.data.inputShape);
    this.model.dispose();
    this.model = merged;
    this.opt.reset();
    this.plan!.configureOptimizer(this.opt, this.model);
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
    await this.checkpoint('reconstructed', epoch, this.plan!.phase(epoch + 1), epoch);
  }

  /** An 'auto' run's ranks after an epoch and the rule's verdict: one event, one log line. */
  private recordRanks(event: Extract<RunEvent, { type: 'ranks' }>): void {
    this.writer.appendEvent(event);
    this.emit({ type: 'event', event });
    const ranks = event.layers.map((l) => `${l.name} ${l.k1}/${l.k2}`).join(', ');
    this.log(`ranks after epoch ${event.epoch} (K1/K2): ${ranks}`);
    this.log(`  ${event.decision.decompose ? 'decompose now' : 'not yet'}: ${event.decision.reason}`);
  }

  private async stop(
    epochsCompleted: number,
    phase: Phase,
    epoch: number,
    pendingTransition: CheckpointMeta['pendingTransition'] = null,
  ): Promise<RunOutcome> {
    await this.checkpoint(`stopped-${epoch}`, epochsCompleted, phase, epoch, pendingTransition);
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

/** `backend`: continue on another backend than the run's own (e.g. after its GPU failed). */
export function resumeRun(runDir: string, hooks: EngineHooks = {}, opts: { backend?: BackendRequest } = {}): Promise<RunOutcome> {
  const dir = resolve(runDir);
  if (!existsSync(join(dir, RUN_FILE))) throw new UserError(`${runDir}: no run.json here; give a run folder (runs/<id>)`);
  return new Session({} as RunConfig, hooks).resume(dir, opts.backend);
}
