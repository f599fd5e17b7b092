// Kill + resume is a true continuation (issue 15): the trainer is SIGKILLed at 26 seeded moments
// — after a metric or event line, inside each stage of a checkpoint write, at random moments
// of an epoch, and a second time during the resume — and `tucker-train resume` must finish the
// run every time with no metric or event line lost, duplicated or torn, and the same numbers as
// the uninterrupted run (which is bit-identical from run to run on wasm with the same seed).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../../src/core/random';
import type { EpochMetrics } from '../../src/runs/types';
import { tempDir } from '../support/backend';
import { TRAIN_ARGS, assertSameTrajectory, onlyRun, runCli, runInfo, strictJsonl } from './support';

let refDir = '';
/** Wall-clock seconds each epoch of the reference run took (training, validation, what follows). */
let epochWall: number[] = [];

before(async () => {
  const runsDir = tempDir('tucker-fault-ref-');
  const r = await runCli(['train', ...TRAIN_ARGS, '--quiet', '--runs-dir', runsDir, '--name', 'reference']);
  assert.equal(r.code, 0, r.stderr);
  refDir = onlyRun(runsDir);
  const m = strictJsonl<EpochMetrics>(join(refDir, 'metrics.jsonl'));
  epochWall = m.map((x, i) => x.seconds - (i ? m[i - 1].seconds : 0));
});

function metricLines(runsDir: string): number {
  const dirs = existsSync(runsDir) ? readdirSync(runsDir) : [];
  if (!dirs.length) return -1;
  try {
    return readFileSync(join(runsDir, dirs[0], 'metrics.jsonl'), 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}

/** Resumes until the run is completed (at most `tries` times), returning how many resumes it took. */
async function resumeToEnd(dir: string, tries = 1): Promise<void> {
  for (let i = 0; i < tries; i++) {
    const r = await runCli(['resume', dir, '--quiet'], { cwd: '/' });
    assert.equal(r.code, 0, `resume exited ${r.code ?? r.signal}: ${r.stderr}`);
    if (runInfo(dir).status === 'completed') return;
  }
  assert.fail(`${dir}: not completed after ${tries} resume(s)`);
}

let kills = 0;

interface FaultCase {
  name: string;
  /** TUCKER_TRAIN_FAULT of the first run. */
  fault?: string;
  /** Seeded moment: after `afterEpochs` metric lines, `fraction` of that epoch's wall time. */
  moment?: { afterEpochs: number; fraction: number };
  /** TUCKER_TRAIN_FAULT of the first resume (killed again), then a clean resume. */
  resumeFault?: string;
}

const CASES: FaultCase[] = [
  // After a metrics line: the epoch is on disk but the checkpoint after it is not.
  { name: 'after the metrics of epoch 1', fault: 'kill:metrics@1' },
  { name: 'after the metrics of epoch 3', fault: 'kill:metrics@3' },
  { name: 'after the metrics of the last epoch', fault: 'kill:metrics@4' },
  // After an event line: 1 decompose (no checkpoint yet: starts over), 2 its checkpoint, 5 reconstruct, 8 final (run.json still running).
  { name: 'after the decompose event, before any checkpoint', fault: 'kill:event@1' },
  { name: "after the 'decomposed' checkpoint event", fault: 'kill:event@2' },
  { name: 'after the reconstruct event', fault: 'kill:event@5' },
  { name: "after the 'final' checkpoint event, before run.json says completed", fault: 'kill:event@8' },
  // Inside checkpoint writes (1 decomposed, 2 epoch-1, 3 epoch-2, 4 reconstructed, 5 epoch-3, 6 final).
  { name: 'checkpoint 1: after weights.bin', fault: 'kill:checkpoint-weights@1' },
  { name: 'checkpoint 4: after weights.bin', fault: 'kill:checkpoint-weights@4' },
  { name: 'checkpoint 2: after model.json, before the swap', fault: 'kill:checkpoint-json@2' },
  { name: 'checkpoint 6 (final): after model.json', fault: 'kill:checkpoint-json@6' },
  { name: 'checkpoint 3: inside the swap', fault: 'kill:checkpoint-swap@3' },
  { name: 'checkpoint 6 (final): inside the swap', fault: 'kill:checkpoint-swap@6' },
  // Killed twice: during the run, then during the resume.
  { name: 'after epoch 2, then inside the resume’s first checkpoint', fault: 'kill:metrics@2', resumeFault: 'kill:checkpoint-json@1' },
  {
    name: 'inside checkpoint 2, then after the resume’s first metrics line',
    fault: 'kill:checkpoint-weights@2',
    resumeFault: 'kill:metrics@1',
  },
  { name: 'after the reconstruct event, then after the resume’s first event', fault: 'kill:event@5', resumeFault: 'kill:event@1' },
];

// Seeded moments inside epochs 2–4: training steps, validation, transitions, checkpoint writes.
const rng = createRng(15);
for (let i = 0; i < 7; i++) {
  const afterEpochs = 1 + Math.floor(rng.uniform() * 3);
  const fraction = Math.round(rng.uniform() * 90) / 100;
  CASES.push({ name: `seeded moment ${i + 1}: ${fraction} into epoch ${afterEpochs + 1}`, moment: { afterEpochs, fraction } });
}

for (const c of CASES) {
  test(`SIGKILL ${c.name} → resume continues the same run`, async () => {
    const runsDir = tempDir('tucker-fault-');
    let reachedAt = 0;
    const killWhen = c.moment
      ? () => {
          if (metricLines(runsDir) < c.moment!.afterEpochs) return false;
          reachedAt ||= performance.now();
          return performance.now() - reachedAt >= c.moment!.fraction * epochWall[c.moment!.afterEpochs] * 1000;
        }
      : undefined;
    const first = await runCli(['train', ...TRAIN_ARGS, '--quiet', '--runs-dir', runsDir, '--name', 'fault'], {
      env: c.fault ? { TUCKER_TRAIN_FAULT: c.fault } : undefined,
      killWhen,
    });
    const dir = onlyRun(runsDir);
    if (c.fault) assert.equal(first.signal, 'SIGKILL', `the fault ${c.fault} was reached: ${first.stderr}`);
    if (first.signal === 'SIGKILL') {
      kills++;
      // A SIGKILLed trainer cannot say anything (unless it had already closed the run and was exiting).
      assert.ok(['running', 'completed'].includes(runInfo(dir).status), runInfo(dir).status);
    } else {
      assert.equal(first.code, 0, first.stderr); // the seeded moment came after the end: nothing to resume
    }
    if (c.resumeFault) {
      const again = await runCli(['resume', dir, '--quiet'], { env: { TUCKER_TRAIN_FAULT: c.resumeFault } });
      assert.equal(again.signal, 'SIGKILL', `the resume's fault ${c.resumeFault} was reached: ${again.stderr}`);
      kills++;
    }
    if (runInfo(dir).status !== 'completed') await resumeToEnd(dir);
    assertSameTrajectory(refDir, dir, c.name);
  });
}

test('at least 20 of the moments above really killed the trainer', () => {
  assert.ok(kills >= 20, `${kills} kills`);
});
