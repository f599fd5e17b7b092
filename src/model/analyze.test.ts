import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/userError';
import { parseRankPolicy } from '../core/rankPolicy';
import { equation10, equation11 } from '../core/estimates';
import { analyzeModel, analyzeParsedModel, type RanksReport } from './analyze';
import { parseModelJson } from './modelJson';

const FIX = join(__dirname, '..', '..', 'fixtures', 'models');
const SMALL = join(FIX, 'small-cnn', 'model.json');
const RESID = join(FIX, 'residual-concat', 'model.json');
const NOW = join(FIX, 'no-weights', 'model.json');
const PLANTED = JSON.parse(readFileSync(join(FIX, 'small-cnn', 'planted-ranks.json'), 'utf8')) as {
  conv2: { k1: number; k2: number };
  conv3: { k1: number; k2: number };
  conv4: { k1: number; k2: number };
  dense: { rank: number };
};
const vbmf = parseRankPolicy('vbmf');

function layer(r: RanksReport, name: string) {
  const l = r.layers.find((x) => x.name === name);
  assert.ok(l, `layer ${name} in report`);
  return l;
}

function checkTotals(r: RanksReport): void {
  const sum = (f: (l: RanksReport['layers'][number]) => number) => r.layers.reduce((a, l) => a + f(l), 0);
  assert.equal(
    r.totals.params.before,
    sum((l) => l.params.before),
  );
  assert.equal(
    r.totals.params.after,
    sum((l) => l.params.after),
  );
  assert.equal(
    r.totals.flops.before,
    sum((l) => l.flops.before),
  );
  assert.equal(
    r.totals.flops.after,
    sum((l) => l.flops.after),
  );
  assert.equal(r.totals.compression, r.totals.params.before / r.totals.params.after);
  assert.equal(r.totals.speedup, r.totals.flops.before / r.totals.flops.after);
  assert.equal(r.totals.decomposed + r.totals.skipped, r.layers.length);
  assert.equal(r.totals.decomposed, r.layers.filter((l) => l.skipped === null).length);
}

test('small-cnn with vbmf: EVBMF finds the planted ranks; eq. 10/11 per layer; totals are sums', async () => {
  const r = await analyzeModel(SMALL, { policy: vbmf });
  assert.equal(r.weightsRead, true);
  assert.equal(r.policy, 'vbmf');
  assert.equal(r.model, SMALL);
  assert.deepEqual(
    r.layers.map((l) => l.name),
    ['conv1', 'conv2', 'conv3', 'conv4', 'dense'],
  );
  for (const name of ['conv2', 'conv3', 'conv4'] as const) {
    const l = layer(r, name);
    assert.equal(l.type, 'Conv2D');
    assert.deepEqual([l.k1, l.k2], [PLANTED[name].k1, PLANTED[name].k2], name);
    assert.equal(l.rank, null);
    assert.equal(l.skipped, null);
    assert.equal(l.estimate, false);
    assert.ok(l.sigma2 && typeof l.sigma2 === 'object' && l.sigma2.in! > 0 && l.sigma2.out! > 0);
    const [kh, kw, cin, cout] = l.kernel as [number, number, number, number];
    assert.ok(Math.abs(l.compression - equation10(kh * kw, cin, cout, l.k1!, l.k2!)) < 1e-12);
    const inHW = l.inputSize![0] * l.inputSize![1];
    const outHW = l.outputSize![0] * l.outputSize![1];
    assert.ok(Math.abs(l.speedup - equation11(kh * kw, cin, cout, l.k1!, l.k2!, inHW, outHW)) < 1e-12);
  }
  const c3 = layer(r, 'conv3');
  assert.deepEqual([c3.kernel, c3.cin, c3.cout, c3.inputSize, c3.outputSize], [[3, 3, 16, 32], 16, 32, [14, 14], [7, 7]]);
  const c4 = layer(r, 'conv4');
  assert.deepEqual(
    [c4.inputSize, c4.outputSize],
    [
      [7, 7],
      [5, 5],
    ],
  );
  // conv1 has Cin = 1: a 1 x M unfolding always gives EVBMF rank 0 -> skipped, with a reason.
  const c1 = layer(r, 'conv1');
  assert.equal(c1.k1, 0);
  assert.match(c1.skipped!, /EVBMF/);
  assert.equal(c1.params.before, c1.params.after);
  assert.equal(c1.compression, 1);
  const d = layer(r, 'dense');
  assert.equal(d.type, 'Dense');
  assert.deepEqual(d.kernel, [800, 10]);
  assert.equal(d.rank, PLANTED.dense.rank);
  assert.equal(d.k1, null);
  assert.equal(typeof d.sigma2, 'number');
  assert.equal(d.inputSize, null);
  assert.equal(d.params.after, PLANTED.dense.rank * (800 + 10));
  assert.deepEqual([r.totals.decomposed, r.totals.skipped], [4, 1]);
  checkTotals(r);
  // JSON-able: round-trips unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('no weights file: estimates from shapes with ratio:0.25 (vbmf asked), or the given ratio', async () => {
  const r = await analyzeModel(NOW, { policy: vbmf });
  assert.equal(r.weightsRead, false);
  assert.equal(r.policy, 'ratio:0.25');
  assert.ok(r.layers.every((l) => l.estimate && l.sigma2 === null));
  const c = layer(r, 'block128_conv1');
  assert.deepEqual([c.k1, c.k2, c.inputSize, c.outputSize], [16, 32, [16, 16], [16, 16]]);
  assert.deepEqual([layer(r, 'block64_conv1').k1, layer(r, 'block64_conv1').k2], [1, 16]);
  assert.equal(layer(r, 'fc1').rank, 64);
  assert.deepEqual(layer(r, 'fc1').kernel, [4 * 4 * 256, 256]);
  checkTotals(r);

  const half = await analyzeModel(NOW, { policy: parseRankPolicy('ratio:0.5'), quantize: 16 });
  assert.equal(half.policy, 'ratio:0.5');
  const b1 = layer(half, 'block64_conv1');
  assert.deepEqual([b1.k1, b1.k2], [3, 32]); // round(1.5) = 2 -> quantized up to 16 -> capped at Cin = 3
  assert.deepEqual([layer(half, 'block256_conv2').k1, layer(half, 'block256_conv2').k2], [128, 128]);
  assert.equal(layer(half, 'block256_conv2').skipped, null);
  checkTotals(half);
});

test('weights: false on a model with weights gives estimates too', async () => {
  const r = await analyzeModel(SMALL, { policy: parseRankPolicy('ratio:0.25'), weights: false });
  assert.equal(r.weightsRead, false);
  assert.deepEqual([layer(r, 'conv4').k1, layer(r, 'conv4').k2], [8, 8]);
  assert.equal(layer(r, 'dense').rank, 3); // round(0.25 * 10)
});

test('--quantize rounds EVBMF ranks up to multiples (capped at the channel count)', async () => {
  const r = await analyzeModel(SMALL, { policy: vbmf, quantize: 8 });
  assert.deepEqual([layer(r, 'conv2').k1, layer(r, 'conv2').k2], [8, 8]);
  assert.deepEqual([layer(r, 'conv4').k1, layer(r, 'conv4').k2], [8, 16]);
  assert.equal(layer(r, 'dense').rank, 8);
});

test('input size override changes spatial sizes and E, not ranks; a Flatten->Dense mismatch is an error', async () => {
  const base = await analyzeModel(NOW, { policy: vbmf });
  const big = await analyzeModel(NOW, { policy: vbmf, inputSize: [64, 64] });
  assert.deepEqual(layer(big, 'block128_conv1').inputSize, [32, 32]);
  assert.deepEqual(layer(big, 'fc1').kernel, [8 * 8 * 256, 256]);
  assert.equal(layer(big, 'block128_conv1').k2, layer(base, 'block128_conv1').k2);
  assert.ok(big.totals.flops.before > base.totals.flops.before);
  // small-cnn's stored dense kernel is [800, 10]: at 56x56 Flatten gives 4608 inputs.
  await assert.rejects(
    analyzeModel(SMALL, { policy: vbmf, inputSize: [56, 56] }),
    /layer 'dense' \(Dense\) has a kernel of shape \[800, 10\] in weightsManifest but its inputs imply \[4608, 10\]/,
  );
  await assert.rejects(analyzeModel(SMALL, { policy: vbmf, inputSize: [0, 3] }), UserError);
});

test('residual-concat: depthwise listed as skipped, 1x1 skipped, planted ranks on the conv after the Concatenate', async () => {
  const r = await analyzeModel(RESID, { policy: vbmf });
  const dw = layer(r, 'depthwise');
  assert.equal(dw.type, 'DepthwiseConv2D');
  assert.match(dw.skipped!, /DepthwiseConv2D is not decomposed/);
  assert.deepEqual([dw.cin, dw.cout, dw.inputSize, dw.outputSize], [18, 18, [18, 18], [16, 16]]);
  assert.match(layer(r, 'branch_1x1').skipped!, /1×1/);
  const down = layer(r, 'down');
  assert.deepEqual([down.cin, down.cout, down.k1, down.k2, down.inputSize, down.outputSize], [18, 16, 4, 6, [16, 16], [7, 7]]);
  assert.equal(down.skipped, null);
  // random (untrained-looking) kernels: EVBMF rank 0 -> skipped, never a crash
  assert.match(layer(r, 'res_a').skipped!, /no structure above noise/);
  checkTotals(r);
});

test('an unsupported layer before a conv is a one-line UserError naming the file and the layers', async () => {
  const json = JSON.parse(readFileSync(NOW, 'utf8'));
  json.modelTopology.config.layers.splice(2, 0, { class_name: 'MyWarp', config: { name: 'warp' } });
  const m = parseModelJson(JSON.stringify(json), 'warp/model.json');
  await assert.rejects(analyzeParsedModel(m, { policy: vbmf }), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(
      e.message,
      /^warp\/model\.json: cannot infer the input shape of layer 'block128_conv1' \(Conv2D\): layer 'warp' \(MyWarp\) is not supported for shape inference; /,
    );
    return true;
  });
});

test('unknown input height/width needs --input-size; kernel/topology mismatch is reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-analyze-'));
  try {
    const json = JSON.parse(readFileSync(NOW, 'utf8'));
    json.modelTopology.config.layers[0].config.batch_input_shape = [null, null, null, 3];
    const p = join(dir, 'model.json');
    writeFileSync(p, JSON.stringify(json));
    await assert.rejects(
      analyzeModel(p, { policy: vbmf }),
      /height and width of the input of layer 'block64_conv1' .* are unknown .*pass --input-size HxW/,
    );
    const r = await analyzeModel(p, { policy: vbmf, inputSize: [32, 32] });
    assert.equal(r.layers.length, 8);

    const small = JSON.parse(readFileSync(SMALL, 'utf8'));
    small.modelTopology.config.layers[1].config.filters = 12;
    writeFileSync(p, JSON.stringify(small));
    copyFileSync(join(FIX, 'small-cnn', 'weights.bin'), join(dir, 'weights.bin'));
    await assert.rejects(
      analyzeModel(p, { policy: vbmf }),
      /layer 'conv2' \(Conv2D\) has a kernel of shape \[3, 3, 8, 16\] in weightsManifest but its inputs imply \[3, 3, 8, 12\]/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('1×1 convs: the SVD split rank as a hint, and the split itself with --decompose-pointwise (pointwise)', async () => {
  const ratio = parseRankPolicy('ratio:0.25');
  const hint = layer(await analyzeModel(RESID, { policy: ratio }), 'branch_1x1');
  const [cin, cout] = [hint.cin, hint.cout];
  const r = Math.max(1, Math.round(0.25 * Math.min(cin, cout)));
  assert.equal(hint.rank, r);
  assert.match(hint.skipped!, new RegExp(`1×1.*--decompose-pointwise would split it by SVD at rank ${r}$`));
  assert.equal(hint.compression, 1);
  const split = layer(await analyzeModel(RESID, { policy: ratio, pointwise: true }), 'branch_1x1');
  assert.deepEqual([split.skipped, split.rank, split.k1], [null, r, null]);
  // Parameters: Cin·Cout before, r·(Cin + Cout) after (biases are the same on both sides).
  assert.ok(Math.abs(split.compression - (cin * cout) / (r * (cin + cout))) < 1e-9, `${split.compression}`);
});
