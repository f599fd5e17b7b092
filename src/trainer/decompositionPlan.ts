// When and how the engine decomposes (docs/design.md §4.4): the schedule with the epoch an 'auto'
// run chose, the per-epoch rank measurement and the auto rule's verdict, and the accuracy recipe
// around the switch (first conv kept full-rank, learning rate after it, factor decay). The engine
// asks it; it holds the only state 'auto' adds: the chosen epoch and the rank history.
import { existsSync, readFileSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { parseJsonlChunk } from '../runs/jsonl';
import { isRunEvent } from '../runs/reader';
import { autoBounds, decideAutoDecompose, rankHistory, type RankSnapshot } from '../runs/autoDecompose';
import { awaitingAutoDecision, phaseOf, transitionAfter, type Transition } from '../runs/schedule';
import { EVENTS_FILE, type Phase, type RunConfig, type RunEvent } from '../runs/types';
import { keptLayers, measureLayerRanks, type KeptLayers } from './layerRanks';
import { tuckerBlocks } from './factorDecay';
import { parseRankPolicy } from '../core/rankPolicy';
import { learningRateAtPosition, parseSwitchLr, type Sgd, type SwitchLr } from './sgd';

type RanksEvent = Extract<RunEvent, { type: 'ranks' }>;

export class DecompositionPlan {
  private readonly switchLr: SwitchLr;
  private history: RankSnapshot[];

  constructor(
    private readonly config: RunConfig,
    /** The epoch after which the network was decomposed ('auto': chosen; else the config's), null: not yet. */
    private decidedAt: number | null = null,
    history: RankSnapshot[] = [],
  ) {
    this.switchLr = parseSwitchLr(config.switchLr ?? 'keep');
    this.history = [...history];
  }

  /** A resumed run: the chosen epoch and the rank history from its events (already cut back to the checkpoint). */
  static forResume(config: RunConfig, runDir: string, epochsCompleted: number): DecompositionPlan {
    const file = join(runDir, EVENTS_FILE);
    const events = existsSync(file) ? parseJsonlChunk<RunEvent>('', readFileSync(file, 'utf8'), 1, isRunEvent).records : [];
    let decided: number | null = null;
    for (const e of events) if (e.type === 'decompose' && e.epoch <= epochsCompleted) decided = e.epoch;
    return new DecompositionPlan(config, decided, rankHistory(events, epochsCompleted));
  }

  /** The epoch after which the network was decomposed in this run, as far as known (null: not yet). */
  get decided(): number | null {
    return this.decidedAt;
  }

  /** The decomposition epoch for the learning rate: the decided one, else the fixed schedule's. */
  get decomposedAt(): number | null {
    const c = this.config;
    if (this.decidedAt !== null || c.decomposeAt === 'auto') return this.decidedAt;
    return c.finetuneAfterTraining !== null ? c.epochs : c.decomposeAt;
  }

  phase(epoch: number): Phase {
    return phaseOf(this.config, epoch, this.decidedAt);
  }

  /** The learning rate `position` epochs into the run (epoch e, step k of n: e − 1 + k/n). */
  learningRate(position: number): number {
    return learningRateAtPosition(position, this.config, this.switchLr, this.decomposedAt);
  }

  /** Whether the rate changes within this epoch (a warm restart), so the engine sets it every step. */
  varyingLr(epoch: number): boolean {
    const d = this.decomposedAt;
    return this.switchLr.kind === 'restart' && d !== null && epoch > d && epoch <= d + this.switchLr.epochs;
  }

  /** The layers a decomposition leaves full-rank (the first conv with keepFirstConv). */
  kept(model: tf.LayersModel): KeptLayers {
    return keptLayers(model, this.config.keepFirstConv ?? false);
  }

  /**
   * What to do after an epoch. An undecided 'auto' run measures the ranks first, records them
   * (with the rule's verdict) through `record`, and decomposes when the rule says so.
   */
  async after(epoch: number, model: tf.LayersModel, seconds: number, record: (e: RanksEvent) => void): Promise<Transition> {
    if (!awaitingAutoDecision(this.config, epoch, this.decidedAt)) return transitionAfter(this.config, epoch, this.decidedAt);
    const t0 = performance.now();
    const layers = await measureLayerRanks(model, this.kept(model), parseRankPolicy(this.config.rankPolicy));
    this.history = this.history.filter((h) => h.epoch < epoch);
    this.history.push({ epoch, layers });
    const decision = decideAutoDecompose(this.history, autoBounds(this.config));
    record({
      type: 'ranks',
      time: new Date().toISOString(),
      epoch,
      seconds,
      durationSeconds: (performance.now() - t0) / 1000,
      rankPolicy: this.config.rankPolicy,
      layers,
      decision,
    });
    return decision.decompose ? 'decompose' : null;
  }

  /** The network was decomposed after this epoch. */
  decomposed(epoch: number): void {
    this.decidedAt = epoch;
  }

  /** Factor decay on the model's Tucker blocks (none after reconstruction, or without --factor-decay). */
  configureOptimizer(opt: Sgd, model: tf.LayersModel): void {
    const x = this.config.factorDecay ?? 0;
    opt.setFactorDecay(x > 0 ? tuckerBlocks(model) : [], x);
  }
}
