// A tiny study on generated data, end to end in this process: every scenario's run folder,
// study.json, report.md, results.csv and the two SVG plots (parsed as XML: one line per scenario);
// then a study stopped in its second scenario and left as if killed resumes without rerunning
// the first (and is refused while its process lives).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { resolveStudy } from '../../src/cli/studyConfig';
import { readRunInfoSync } from '../../src/runs/reader';
import { STUDIES_DIR } from '../../src/runs/types';
import { readStudySync } from '../../src/study/reader';
import { resumeStudy, startStudy, type StudyHooks } from '../../src/study/runner';
import type { TrainerMessage } from '../../src/protocol';
import { UserError } from '../../src/core/userError';
import { tempDir } from '../support/backend';
import { allElements, parseXml } from '../support/xml';

/** The smoke preset cut to 2 epochs: 4 scenarios of a few seconds each, on the wasm backend. */
function tinyStudy(runsDir: string) {
  return resolveStudy(
    {
      preset: 'smoke',
      epochs: '2',
      'decompose-at': '1',
      'reconstruct-at': '2',
      'finetune-after-training': '1',
      backend: 'wasm',
      decide: 'flops', // measured decisions depend on this machine's load; the assertions count decomposed layers
      'runs-dir': runsDir,
      name: 'tiny',
    },
    null,
  );
}

function hooks(over: Partial<StudyHooks['engine']> = {}, messages: TrainerMessage[] = []): StudyHooks {
  return { engine: { ...over, onMessage: (m) => messages.push(m) } };
}

test('a tiny study writes every run folder, study.json, report.md, results.csv and valid SVG plots', async () => {
  const runsDir = tempDir('tucker-study-');
  const def = tinyStudy(runsDir);
  const studyMessages: string[] = [];
  const outcome = await startStudy(def, { engine: {}, onStudy: (_dir, s) => studyMessages.push(s.status) });
  const { study, dir } = outcome;
  assert.equal(study.status, 'completed');
  assert.equal(dir, join(runsDir, STUDIES_DIR, study.id));
  assert.deepEqual(
    study.scenarios.map((s) => s.key),
    ['original', 'decompose-1', 'decompose-1-reconstruct-2', 'finetune-1'],
  );
  // each scenario is an ordinary, completed run folder directly in the runs directory
  const folders = readdirSync(runsDir).filter((n) => n !== STUDIES_DIR);
  assert.deepEqual(folders.sort(), study.scenarios.map((s) => s.runId!).sort());
  for (const s of study.scenarios) {
    const info = readRunInfoSync(join(runsDir, s.runId!));
    assert.equal(info?.status, 'completed', s.key);
    assert.equal(info?.name, `tiny-${s.key}`);
    assert.equal(s.status, 'completed');
  }
  assert.deepEqual(readStudySync(dir), study, 'study.json on disk is what the runner returned');
  assert.ok(studyMessages.includes('running') && studyMessages.at(-1) === 'completed');

  assert.deepEqual(study.report, { markdown: 'report.md', csv: 'results.csv', plots: ['accuracy-vs-time.svg', 'accuracy-vs-epoch.svg'] });
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.match(md, /^# Study: tiny/);
  assert.match(md, /\| Run \| Scenario \| Status \| Epochs \| Best accuracy \| Final accuracy \|/);
  assert.match(md, /\| tiny-original \(baseline\) \| original \(no decomposition\) \| completed \| 2 \|/);
  for (const s of study.scenarios.slice(1)) assert.match(md, new RegExp(`\\| tiny-${s.key} \\|.*\\| completed \\| \\d \\|.*×`));
  assert.match(md, /- \*\*decomposed after 1\*\*: speedup [\d.]+× .*; [45] of 5 convolutions decomposed after epoch 1, /);
  assert.match(md, /!\[Validation accuracy vs wall-clock time\]\(accuracy-vs-time\.svg\)/);
  assert.match(md, /!\[Validation accuracy vs epoch\]\(accuracy-vs-epoch\.svg\)/);

  const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\r\n');
  assert.equal(csv.length, 1 + 4);
  assert.match(csv[0], /^id,name,scenario,status,epochs,best_accuracy,final_accuracy,/);
  assert.ok(csv[1].startsWith(`${study.scenarios[0].runId},tiny-original,`));
  assert.ok(csv[1].endsWith(',true'), 'the original is the baseline');

  for (const file of study.report.plots) {
    const root = parseXml(readFileSync(join(dir, file), 'utf8'));
    assert.equal(root.name, 'svg', file);
    const els = allElements(root);
    const lines = els.filter((e) => e.name === 'path' && e.attrs['aria-roledescription'] === 'line mark');
    const texts = els.filter((e) => e.name === 'text').map((e) => e.text);
    for (const s of study.scenarios) {
      const own = new RegExp(`scenario: ${s.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(;|$)`);
      const line = lines.filter((l) => own.test(l.attrs['aria-label'] ?? ''));
      assert.equal(line.length, 1, `${file}: one line for '${s.label}'`);
      assert.match(line[0].attrs.d, /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+$/, `${file}: '${s.label}' is drawn through its epochs`);
      assert.ok(texts.includes(s.label), `${file}: legend entry '${s.label}'`);
    }
    assert.ok(
      texts.some((t) => t.startsWith('Validation accuracy vs')),
      `${file}: title`,
    );
  }
});

test('a study killed in its second scenario resumes: the first is not rerun, the second continues in its folder', async () => {
  const runsDir = tempDir('tucker-study-');
  const def = tinyStudy(runsDir);
  let started = 0;
  let stop = false;
  const first = await startStudy(def, {
    engine: {
      shouldStop: () => stop,
      onMessage: (m) => {
        if (m.type === 'started' && ++started === 2) stop = true; // stop inside the second scenario's first epoch
      },
    },
  });
  assert.equal(first.study.status, 'stopped');
  assert.deepEqual(
    first.study.scenarios.map((s) => s.status),
    ['completed', 'stopped', 'pending', 'pending'],
  );
  const [doneId, stoppedId] = first.study.scenarios.map((s) => s.runId);
  assert.equal(first.study.report, null, 'no report for a stopped study');
  // Make it look killed (kill -9) mid-run: study.json and the run's run.json still say running.
  const livePid = spawn('sleep', ['30']).pid!;
  const deadPid = await new Promise<number>((res) => {
    const p = spawn('true');
    p.on('exit', () => res(p.pid!));
  });
  const studyJson = join(first.dir, 'study.json');
  const runJson = join(runsDir, stoppedId!, 'run.json');
  const crash = (pid: number) => {
    writeFileSync(studyJson, JSON.stringify({ ...first.study, status: 'running', pid, host: hostname() }));
    writeFileSync(runJson, JSON.stringify({ ...JSON.parse(readFileSync(runJson, 'utf8')), status: 'running', pid }));
  };
  crash(livePid);
  await assert.rejects(
    () => resumeStudy(first.dir, hooks()),
    (e: unknown) => e instanceof UserError && e.message.includes(`still running (process ${livePid})`),
  );
  process.kill(livePid);
  crash(deadPid);
  const doneRunJson = readFileSync(join(runsDir, doneId!, 'run.json'), 'utf8');
  const doneMtime = statSync(join(runsDir, doneId!, 'metrics.jsonl')).mtimeMs;

  const messages: TrainerMessage[] = [];
  const resumed = await resumeStudy(first.dir, hooks({}, messages));
  assert.equal(resumed.study.status, 'completed');
  assert.equal(resumed.study.scenarios[0].runId, doneId, 'the finished scenario keeps its run');
  assert.equal(resumed.study.scenarios[1].runId, stoppedId, 'the stopped scenario continued in its own folder');
  assert.equal(readFileSync(join(runsDir, doneId!, 'run.json'), 'utf8'), doneRunJson, 'the finished run was not touched');
  assert.equal(statSync(join(runsDir, doneId!, 'metrics.jsonl')).mtimeMs, doneMtime);
  assert.equal(readRunInfoSync(join(runsDir, stoppedId!))?.resumedFrom, 'stopped-1');
  const startedDirs = messages.filter((m) => m.type === 'started').map((m) => (m as { runDir: string }).runDir);
  assert.equal(startedDirs.length, 3, 'three runs trained on resume: the stopped one and the two pending');
  assert.ok(!startedDirs.some((d) => d.endsWith(doneId!)));
  assert.equal(readdirSync(runsDir).filter((n) => n !== STUDIES_DIR).length, 4, 'no duplicate run folders');
  assert.ok(statSync(join(first.dir, 'report.md')).isFile());

  await assert.rejects(
    () => resumeStudy(first.dir, hooks()),
    (e: unknown) => e instanceof UserError && /already completed/.test(e.message),
  );
});
