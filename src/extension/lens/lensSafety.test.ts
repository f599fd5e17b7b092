// What a model.json can make the lenses do (issue 15): weight paths must resolve inside the
// model's folder (no absolute, no '..', no UNC, no URL, no link out) and such a file is refused
// with an error lens without being opened; weight files must be exactly as long as declared; in
// an untrusted workspace no weight file is looked at; a large file gets one lens and no parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelJson } from '../../model/modelJson';
import { readWeights, weightPathProblem, type WeightIO } from '../../model/weights';
import { handle } from './lensWorker';
import { jsonModelView, tooLargeView } from './lensText';

const FIX = join(__dirname, '..', '..', '..', 'fixtures', 'models', 'small-cnn');

/** A copy of the small-cnn fixture in `<tmp>/model/`, with the manifest's paths replaced; `<tmp>/outside.bin` beside the folder. */
function modelWithPaths(paths: string[] | null, weights?: Buffer): { dir: string; path: string; text: string; outside: string } {
  const root = mkdtempSync(join(tmpdir(), 'tucker-lens-'));
  const dir = join(root, 'model');
  mkdirSync(dir);
  const j = JSON.parse(readFileSync(join(FIX, 'model.json'), 'utf8'));
  if (paths) j.weightsManifest[0].paths = paths;
  const text = JSON.stringify(j);
  writeFileSync(join(dir, 'model.json'), text);
  writeFileSync(join(dir, 'weights.bin'), weights ?? readFileSync(join(FIX, 'weights.bin')));
  const outside = join(root, 'outside.bin');
  writeFileSync(outside, readFileSync(join(FIX, 'weights.bin')));
  return { dir, path: join(dir, 'model.json'), text, outside };
}

/** An injected reader that records every file it is asked about. */
function recordingIO(): WeightIO & { touched: string[] } {
  const touched: string[] = [];
  return {
    touched,
    stat: (f) => (touched.push(`stat ${f}`), stat(f)),
    realpath: (f) => (touched.push(`realpath ${f}`), realpath(f)),
    readFile: (f) => (touched.push(`read ${f}`), readFile(f)),
  };
}

test('weight path rules: only plain relative paths inside the model folder', () => {
  const dir = '/models/m';
  for (const ok of ['weights.bin', 'group1-shard1of2.bin', 'sub/w.bin', './w.bin', 'a/./b.bin', 'été.bin'])
    assert.equal(weightPathProblem(ok, dir), null, ok);
  const bad: [string, RegExp][] = [
    ['../outside.bin', /leaves the model's folder/],
    ['sub/../../x.bin', /leaves the model's folder/],
    ['..\\x.bin', /leaves the model's folder/],
    ['/etc/passwd', /absolute path/],
    ['C:\\Windows\\w.bin', /absolute path/],
    ['c:w.bin', /absolute path/],
    ['\\\\server\\share\\w.bin', /network \(UNC\) path/],
    ['//server/share/w.bin', /network \(UNC\) path/],
    ['http://example.com/w.bin', /URL/],
    ['file:///etc/passwd', /URL/],
    ['', /empty path/],
    ['   ', /empty path/],
    ['w\0.bin', /NUL/],
  ];
  for (const [p, why] of bad) assert.match(weightPathProblem(p, dir) ?? 'accepted', why, JSON.stringify(p));
});

test("a manifest naming '../outside.bin' is refused by the reader: an error lens, and the file is never opened", async () => {
  const m = modelWithPaths(['../outside.bin']);
  assert.throws(
    () => parseModelJson(m.text, m.path),
    /weightsManifest\[0\] names '\.\.\/outside\.bin', a path that leaves the model's folder/,
  );
  // the lens worker: a user error, nothing stamped (so nothing watched), no analysis
  const r = await handle({ type: 'analyze', id: 1, path: m.path, text: m.text, policy: 'vbmf' });
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.userError);
  assert.deepEqual(r.weightFiles, [], 'no weight file was looked at or will be watched');
  const view = jsonModelView(m.text, m.path, { kind: 'error', message: r.ok ? '' : r.message });
  assert.match(view.lenses[0].title, /^\$\(warning\) Tucker: .*a path that leaves the model's folder/);
});

test('a weight file that links outside the folder, or is longer than declared, is refused before it is read', async () => {
  const linked = modelWithPaths(['link.bin']);
  symlinkSync(linked.outside, join(linked.dir, 'link.bin'));
  const io = recordingIO();
  await assert.rejects(
    readWeights(parseModelJson(linked.text, linked.path), undefined, io),
    /link\.bin: weight file listed in .* is a link to .*outside\.bin, outside the model's folder/,
  );
  assert.ok(!io.touched.some((t) => t.startsWith('read ')), `nothing read: ${io.touched.join(', ')}`);

  const big = modelWithPaths(null, Buffer.concat([readFileSync(join(FIX, 'weights.bin')), Buffer.alloc(1 << 20)]));
  const io2 = recordingIO();
  await assert.rejects(
    readWeights(parseModelJson(big.text, big.path), undefined, io2),
    /weight file is longer than model\.json says \(expected 92456 bytes, found 1141032\)/,
  );
  assert.ok(!io2.touched.some((t) => t.startsWith('read ')), 'memory is bounded by the declared sizes: the file was not read');

  const fine = modelWithPaths(null);
  const io3 = recordingIO();
  const w = await readWeights(parseModelJson(fine.text, fine.path), undefined, io3);
  assert.ok(w.size > 0);
  assert.deepEqual(
    io3.touched.filter((t) => t.startsWith('read ')),
    [`read ${join(fine.dir, 'weights.bin')}`],
  );
});

test('an untrusted workspace: shapes only, no weight file looked at, and the lenses say so', async () => {
  const m = modelWithPaths(['not-there.bin']); // would be an error if it were looked at
  const r = await handle({ type: 'analyze', id: 2, path: m.path, text: m.text, policy: 'vbmf', readWeights: false });
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.equal(r.report.weightsRead, false);
  assert.deepEqual(r.weightFiles, []);
  const view = jsonModelView(m.text, m.path, { kind: 'ready', report: r.report, ms: 1 }, { untrusted: true });
  assert.match(view.lenses[0].title, /estimate from shapes .* · untrusted workspace: weights not read$/);
  assert.match(jsonModelView(m.text, m.path, { kind: 'computing' }, { untrusted: true }).lenses[0].title, /weights not read/);
});

test('a model.json above the size limit: one lens pointing at tucker-train ranks, nothing parsed', () => {
  assert.equal(tooLargeView(8 * 1024 * 1024, 8 * 1024 * 1024), null);
  const v = tooLargeView(45 * 1024 * 1024, 8 * 1024 * 1024)!;
  assert.equal(v.lenses.length, 1);
  assert.equal(v.lenses[0].title, '$(info) Tucker: model too large for hints (45 MB); run `tucker-train ranks`');
  assert.match(tooLargeView(2.15 * 1024 * 1024, 1024 * 1024)!.lenses[0].title, /\(2\.1 MB\)/);
});
