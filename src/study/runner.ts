// Runs a study: its scenarios one after another in this process, each an ordinary run folder
// (the engine's startRun/resumeRun), recorded in study.json; then the report. An interrupted
// study resumes: finished scenarios are skipped, a stopped or crashed one continues in its own
// folder, the rest start (docs/design.md §10).
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../core/userError';
import { isProcessAlive, readRunInfoSync } from '../runs/reader';
import { writeJsonAtomic } from '../runs/writer';
import type { RunConfig, RunStatus } from '../runs/types';
import { resumeRun, startRun, type EngineHooks, type RunOutcome } from '../trainer/engine';
import { readStudySync, runsDirOfStudy } from './reader';
import { newStudyFolder } from './newStudyFolder';
import { writeStudyReport } from './report';
import { STUDY_FILE, type StudyDefinition, type StudyRecord, type StudyScenario } from './types';

/**
 * How a scenario's run is trained. In this process by default (tests); the CLI trains each in a
 * child process of its own (src/cli/scenarioProcess.ts), so every scenario pays the same start-up
 * (JIT, kernel warm-up inside its first epoch) and none inherits another's heap.
 */
export interface ScenarioExecutor {
  start(config: RunConfig, hooks: EngineHooks, where: { studyDir: string; key: string }): Promise<RunOutcome>;
  resume(runDir: string, hooks: EngineHooks): Promise<RunOutcome>;
}

export const IN_PROCESS: ScenarioExecutor = {
  start: (config, hooks) => startRun(config, hooks),
  resume: (runDir, hooks) => resumeRun(runDir, hooks),
};

export interface StudyHooks {
  /** Passed to every run: progress, logs, stop requests (a stop ends the study after that run). */
  engine: EngineHooks;
  executor?: ScenarioExecutor;
  /** study.json changed (written already). */
  onStudy?: (studyDir: string, study: StudyRecord) => void;
  /** A scenario starts or resumes. */
  onScenario?: (scenario: StudyScenario, index: number, count: number) => void;
  log?: (line: string) => void;
}

export interface StudyOutcome {
  dir: string;
  study: StudyRecord;
}

class StudySession {
  constructor(
    private readonly dir: string,
    private study: StudyRecord,
    private readonly hooks: StudyHooks,
  ) {}

  private get executor(): ScenarioExecutor {
    return this.hooks.executor ?? IN_PROCESS;
  }

  private log(line: string): void {
    this.hooks.log?.(line);
  }

  private save(patch: Partial<StudyRecord> = {}): void {
    this.study = { ...this.study, ...patch };
    writeJsonAtomic(join(this.dir, STUDY_FILE), this.study);
    this.hooks.onStudy?.(this.dir, this.study);
  }

  private setScenario(i: number, patch: Partial<StudyScenario>): void {
    const scenarios = this.study.scenarios.slice();
    scenarios[i] = { ...scenarios[i], ...patch };
    this.save({ scenarios });
  }

  async run(): Promise<StudyOutcome> {
    this.save();
    const runsDir = runsDirOfStudy(this.dir);
    const count = this.study.scenarios.length;
    for (let i = 0; i < count; i++) {
      const sc = this.study.scenarios[i];
      if (this.hooks.engine.shouldStop?.()) return this.end('stopped');
      const runDir = sc.runId ? join(runsDir, sc.runId) : null;
      const info = runDir ? readRunInfoSync(runDir) : null;
      if (info?.status === 'completed') {
        if (sc.status !== 'completed') this.setScenario(i, { status: 'completed' });
        this.log(`scenario ${i + 1}/${count} ${sc.label}: already completed (${sc.runId})`);
        continue;
      }
      this.hooks.onScenario?.(sc, i, count);
      let outcome: RunOutcome;
      try {
        if (runDir && info) {
          // Stopped, failed or crashed: the engine continues it in its folder (from its last checkpoint, or from the start).
          this.log(`scenario ${i + 1}/${count} ${sc.label}: resuming ${sc.runId}`);
          this.setScenario(i, { status: 'running' });
          outcome = await this.executor.resume(runDir, this.withRunId(i));
        } else {
          if (runDir) this.log(`scenario ${i + 1}/${count} ${sc.label}: ${sc.runId} has no valid run.json; starting the scenario again`);
          else this.log(`scenario ${i + 1}/${count} ${sc.label}`);
          outcome = await this.executor.start({ ...sc.config, runsDir }, this.withRunId(i), { studyDir: this.dir, key: sc.key });
        }
      } catch (e) {
        // A bad input (the data set, the model) fails every scenario the same way: stop here.
        this.setScenario(i, { status: 'failed' });
        this.end('failed', e instanceof Error ? e.message : String(e));
        throw e;
      }
      this.setScenario(i, { runId: basename(outcome.runDir), status: outcome.status });
      if (outcome.status === 'stopped') return this.end('stopped');
    }
    this.log('writing the report…');
    const report = await writeStudyReport(this.dir, this.study, runsDir);
    const failed = this.study.scenarios.filter((s) => s.status === 'failed').map((s) => s.label);
    this.save({ report });
    return this.end(failed.length ? 'failed' : 'completed', failed.length ? `scenario(s) failed: ${failed.join('; ')}` : null);
  }

  /** Engine hooks that record the new run's folder in study.json as soon as the trainer reports it. */
  private withRunId(i: number): EngineHooks {
    const inner = this.hooks.engine;
    return {
      ...inner,
      onMessage: (m) => {
        if (m.type === 'started') this.setScenario(i, { runId: basename(m.runDir), status: 'running' });
        inner.onMessage?.(m);
      },
    };
  }

  private end(status: StudyRecord['status'], error: string | null = null): StudyOutcome {
    this.save({ status, error, pid: null, endedAt: new Date().toISOString() });
    return { dir: this.dir, study: this.study };
  }
}

/** Creates `<runsDir>/studies/<id>/study.json` and runs every scenario. */
export async function startStudy(definition: StudyDefinition, hooks: StudyHooks): Promise<StudyOutcome> {
  const { dir, study } = newStudyFolder(definition, process.pid);
  hooks.log?.(`study folder: ${dir}`);
  return new StudySession(dir, study, hooks).run();
}

/** Continues an interrupted study from its folder. */
export async function resumeStudy(studyDir: string, hooks: StudyHooks): Promise<StudyOutcome> {
  const dir = resolve(studyDir);
  const study = readStudySync(dir);
  if (!study) throw new UserError(`${studyDir}: no valid ${STUDY_FILE} here; give a study folder (<runsDir>/studies/<id>)`);
  if (
    study.status === 'running' &&
    study.pid !== null &&
    study.pid !== process.pid &&
    study.host === hostname() &&
    isProcessAlive(study.pid)
  )
    throw new UserError(`${studyDir}: the study is still running (process ${study.pid}); stop it before resuming`);
  if (study.status === 'completed')
    throw new UserError(`${studyDir}: the study is already completed; its report is ${join(dir, study.report?.markdown ?? 'report.md')}`);
  const runsDir = runsDirOfStudy(dir);
  const statusOf = (runId: string | null): RunStatus | 'pending' =>
    runId ? (readRunInfoSync(join(runsDir, runId))?.status ?? 'failed') : 'pending';
  const scenarios = study.scenarios.map((s) => ({ ...s, status: statusOf(s.runId) }));
  const done = scenarios.filter((s) => s.status === 'completed').length;
  hooks.log?.(`resuming study ${dir}: ${done} of ${scenarios.length} scenarios completed`);
  const session = new StudySession(
    dir,
    { ...study, scenarios, status: 'running', pid: process.pid, host: hostname(), endedAt: null, error: null, report: null },
    hooks,
  );
  return session.run();
}
