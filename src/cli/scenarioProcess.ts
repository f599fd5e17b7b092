// `tucker-train study` trains each scenario in a child process of its own (`train --config …` or
// `resume …`, forked from this same CLI with an IPC channel), as the paper ran one command per
// scenario: every run pays the same start-up inside its first epoch (measured in one process:
// the first scenario's first epoch took twice as long as the others'), and none inherits another's
// heap. The child's records are forwarded as the engine's hooks would see them; a stop request is
// passed on; a child that dies without closing its run gets it closed (docs/design.md §10).
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { UserError } from '../core/userError';
import type { HostToTrainerMessage, TrainerMessage } from '../protocol';
import { readRunInfoSync } from '../runs/reader';
import { finalizeAbandonedRun } from '../runs/recovery';
import type { RunConfig } from '../runs/types';
import type { ScenarioExecutor } from '../study/runner';
import type { EngineHooks, RunOutcome } from '../trainer/engine';
import { DEFAULT_CONFIG } from './config';

export interface ScenarioProcessOptions {
  /** The CLI script to fork (dist/cli.js). */
  cliPath: string;
  /** A line the child printed on stdout (its epoch log). */
  log(line: string): void;
  /** A line the child printed on stderr. */
  error(line: string): void;
}

/** The scenario's config as a `*.tucker.json` in the study folder: reproducible with `tucker-train train --config`. */
function writeScenarioConfig(config: RunConfig, studyDir: string, key: string): string {
  const file = join(studyDir, `${key}.tucker.json`);
  const fields = Object.fromEntries(Object.keys(DEFAULT_CONFIG).map((k) => [k, config[k as keyof RunConfig] ?? null]));
  writeFileSync(file, JSON.stringify(fields, null, 2) + '\n');
  return file;
}

function isTrainerMessage(m: unknown): m is TrainerMessage {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

function runChild(o: ScenarioProcessOptions, args: string[], hooks: EngineHooks, knownRunDir: string | null): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(o.cliPath, [...args, '--ipc'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    let runDir = knownRunDir;
    let lastError = '';
    let stopSent = false;
    const killChild = () => child.kill('SIGTERM');
    process.once('exit', killChild); // this process aborted (second Ctrl-C): do not leave the run training
    createInterface({ input: child.stdout! }).on('line', (l) => o.log(l));
    createInterface({ input: child.stderr! }).on('line', (l) => {
      if (l.startsWith('tucker-train: ')) lastError = l.slice('tucker-train: '.length);
      o.error(l);
    });
    child.on('message', (m) => {
      if (!isTrainerMessage(m)) return;
      if (m.type === 'started') runDir = m.runDir;
      hooks.onMessage?.(m);
    });
    const poll = setInterval(() => {
      if (stopSent || !hooks.shouldStop?.() || !child.connected) return;
      stopSent = true;
      const stop: HostToTrainerMessage = { type: 'stop' };
      child.send(stop);
    }, 200);
    child.on('error', (e) => {
      clearInterval(poll);
      process.off('exit', killChild);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      process.off('exit', killChild);
      void (async () => {
        if (!runDir) {
          // Refused before any run folder (bad input: exit 2) or died at start.
          const why = lastError || (signal ? `the trainer was killed by ${signal}` : `the trainer exited with code ${code}`);
          return reject(code === 2 ? new UserError(why) : new Error(why));
        }
        const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
        await finalizeAbandonedRun(runDir, stopSent ? 'stopped' : 'failed', `the trainer ${how} without finishing the run`);
        const run = readRunInfoSync(runDir);
        if (!run) return reject(new Error(`${runDir}: run.json is missing after the trainer ${how}`));
        if (code === 2 && run.status !== 'completed' && lastError) return reject(new UserError(lastError));
        resolve({ runDir, status: run.status, run });
      })().catch(reject);
    });
  });
}

export function scenarioProcesses(o: ScenarioProcessOptions): ScenarioExecutor {
  return {
    start: (config, hooks, where) =>
      runChild(o, ['train', '--config', writeScenarioConfig(config, where.studyDir, where.key)], hooks, null),
    resume: (runDir, hooks) => runChild(o, ['resume', runDir], hooks, runDir),
  };
}
