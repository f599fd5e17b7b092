// Helpers of the fault-injection suite: the trainer as a child process (dist/cli.js, so a
// SIGKILL takes the whole trainer down), killed at a named point (TUCKER_TRAIN_FAULT, see
// src/runs/faults.ts) or at a moment of the run, and what a run folder must look like afterwards.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochMetrics, RunEvent, RunInfo, StepMetrics } from '../../src/runs/types';

export const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

/** A small synthetic schedule that passes every transition: 4 epochs of 2 steps, decompose after 1, merge after 3. */
export const TRAIN_ARGS = [
  '--model',
  'small-cnn',
  '--dataset',
  'synthetic:8x8x3',
  '--epochs',
  '4',
  '--decompose-at',
  '1',
  '--reconstruct-at',
  '3',
  '--rank-policy',
  'ratio:0.5',
  '--batch-size',
  '32',
  '--lr',
  '0.02',
  '--backend',
  'wasm',
  '--checkpoint-every',
  '1',
  '--train-subset',
  '64',
  // Numbers are compared with an uninterrupted run's: a timing-based choice could differ between the two.
  '--decide',
  'flops',
  // A step record after every step: deterministic, so they are compared like the metrics.
  '--log-every-steps',
  '1',
];

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The child was killed by the test's own timer (not by an injected fault). */
  killedByTimer: boolean;
}

export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** SIGKILL the child once `when()` says so (polled every 5 ms). */
  killWhen?: () => boolean;
  timeoutMs?: number;
}

export function runCli(args: string[], o: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
    if (!o.env?.TUCKER_TRAIN_FAULT) delete env.TUCKER_TRAIN_FAULT;
    const child = spawn(process.execPath, [CLI, ...args], { cwd: o.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '',
      killedByTimer = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = o.killWhen
      ? setInterval(() => {
          if (o.killWhen!()) {
            killedByTimer = true;
            child.kill('SIGKILL');
            clearInterval(poll!);
          }
        }, 5)
      : null;
    const guard = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, killedByTimer });
    });
  });
}

/** The only run folder under `runsDir`. */
export function onlyRun(runsDir: string): string {
  const dirs = readdirSync(runsDir).filter((d) => statSync(join(runsDir, d)).isDirectory());
  assert.equal(dirs.length, 1, `one run folder in ${runsDir}: ${dirs.join(', ')}`);
  return join(runsDir, dirs[0]);
}

/** Lines of a .jsonl file, each required whole (ends with a newline) and valid JSON. */
export function strictJsonl<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), `${file} ends with a torn line: ${JSON.stringify(text.slice(-80))}`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch {
        assert.fail(`${file}: line ${i + 1} is not JSON: ${l.slice(0, 80)}`);
      }
    });
}

export function runInfo(dir: string): RunInfo {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo;
}

const SAME: (keyof EpochMetrics)[] = ['epoch', 'step', 'phase', 'params'];
const CLOSE: (keyof EpochMetrics)[] = ['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy', 'lr'];

/** What of an event does not depend on the clock. */
function eventKey(e: RunEvent): string {
  const base = { type: e.type, epoch: e.epoch } as Record<string, unknown>;
  if (e.type === 'checkpoint') base.label = e.label;
  if (e.type === 'decompose') base.layers = e.layers.map((l) => [l.name, l.k1, l.k2, l.skipped]);
  if (e.type === 'reconstruct') base.params = [e.paramsBefore, e.paramsAfter];
  return JSON.stringify(base);
}

/**
 * `dir` continued the reference run's trajectory: every metric line once, none torn, the same
 * numbers (float tolerance), the same events in the same order, no temp folders left.
 */
export function assertSameTrajectory(refDir: string, dir: string, what: string): void {
  const ref = strictJsonl<EpochMetrics>(join(refDir, 'metrics.jsonl'));
  const got = strictJsonl<EpochMetrics>(join(dir, 'metrics.jsonl'));
  assert.deepEqual(
    got.map((m) => m.epoch),
    ref.map((m) => m.epoch),
    `${what}: epochs`,
  );
  got.forEach((m, i) => {
    for (const k of SAME) assert.equal(m[k], ref[i][k], `${what}: epoch ${m.epoch} ${k}`);
    for (const k of CLOSE) {
      const a = m[k] as number,
        b = ref[i][k] as number;
      assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: epoch ${m.epoch} ${k} ${a} vs ${b} uninterrupted`);
    }
  });
  const gotRaw = strictJsonl<RunEvent>(join(dir, 'events.jsonl'));
  // A periodic checkpoint killed mid-write right after a transition's checkpoint of the same
  // epoch is never written: the resume continues from the transition's, the very same state.
  const sameState = (e: RunEvent) =>
    e.type === 'checkpoint' &&
    /^epoch-\d+$/.test(e.label) &&
    !gotRaw.some((g) => g.type === 'checkpoint' && g.label === e.label) &&
    gotRaw.some((g) => g.type === 'checkpoint' && g.epoch === e.epoch && (g.label === 'decomposed' || g.label === 'reconstructed'));
  const refEvents = strictJsonl<RunEvent>(join(refDir, 'events.jsonl'))
    .filter((e) => !sameState(e))
    .map(eventKey);
  assert.deepEqual(gotRaw.map(eventKey), refEvents, `${what}: events`);
  // Step records (docs/design.md §3.6), one per step here: whole lines, each step once, in order, the same losses.
  const steps = strictJsonl<StepMetrics>(join(dir, 'steps.jsonl'));
  const refSteps = strictJsonl<StepMetrics>(join(refDir, 'steps.jsonl'));
  assert.ok(refSteps.length > 0, `${what}: the reference run wrote step records`);
  assert.deepEqual(
    steps.map((r) => [r.epoch, r.step]),
    refSteps.map((r) => [r.epoch, r.step]),
    `${what}: steps.jsonl epochs and steps`,
  );
  steps.forEach((r, i) => {
    const b = refSteps[i].trainLoss;
    assert.ok(
      Math.abs(r.trainLoss - b) <= 1e-6 * Math.max(1, Math.abs(b)),
      `${what}: step ${r.step} loss ${r.trainLoss} vs ${b} uninterrupted`,
    );
  });
  const info = runInfo(dir);
  assert.equal(info.status, 'completed', `${what}: status`);
  assert.equal(info.pid, null);
  const leftovers = readdirSync(join(dir, 'checkpoints')).filter((n) => /\.(tmp|old)-\d+$/.test(n));
  assert.deepEqual(leftovers, [], `${what}: temp folders left in checkpoints/`);
}

/** Every file below `dir` with its bytes, to compare a folder before and after. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(p.slice(dir.length), readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}
