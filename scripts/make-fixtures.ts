// Generates the model fixtures under fixtures/models/ with @tensorflow/tfjs (pure JS, cpu
// backend) in exactly the TensorFlow.js Layers format (model.json + weights.bin), written by
// hand through tf.io.withSaveHandler because file:// needs tfjs-node (docs/design.md §7.1).
//
//   npx tsx scripts/make-fixtures.ts
//
// small-cnn      Sequential 28x28x1 digits net whose conv / dense kernels have KNOWN low ranks
//                (core x U_in x U_out + 1 % noise, seeded): tests assert the EVBMF ranks.
// residual-concat Functional net with ZeroPadding2D, a residual Add, a Concatenate, a
//                DepthwiseConv2D (recognised, skipped), stride 2 and 'valid' padding; random
//                weights except 'down' (ranks K1 = 4, K2 = 6 planted).
// no-weights     model.json only (no weightsManifest): a VGG-like CIFAR topology for the
//                estimate path.
//
// Deterministic: same seed, same bytes.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, type Rng } from '../src/core/random';

const ROOT = join(__dirname, '..', 'fixtures', 'models');

/** The known ranks planted in small-cnn (K1 = input side, K2 = output side; dense: SVD rank). */
export const SMALL_CNN_RANKS = {
  conv2: { k1: 3, k2: 5 },
  conv3: { k1: 5, k2: 8 },
  conv4: { k1: 8, k2: 10 },
  dense: { rank: 4 },
} as const;

/** Orthonormal n x k (columns), row-major, by Gram–Schmidt on normals. */
function orthonormal(rng: Rng, n: number, k: number): Float64Array {
  const q = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    for (let p = 0; p < j; p++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += v[i] * q[i * k + p];
      for (let i = 0; i < n; i++) v[i] -= d * q[i * k + p];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[i * k + j] = v[i] / norm;
  }
  return q;
}

/**
 * A [kh, kw, cin, cout] kernel = G x_in U_in x_out U_out + noise, G ~ N(0,1) of shape
 * [kh, kw, k1, k2], scaled to entries of RMS `scale`; noise RMS = `noise` * scale.
 */
function lowRankKernel(
  rng: Rng,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
  k1: number,
  k2: number,
  scale: number,
  noise: number,
): Float32Array {
  const uin = orthonormal(rng, cin, k1);
  const uout = orthonormal(rng, cout, k2);
  const g = new Float64Array(kh * kw * k1 * k2);
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  const w = new Float64Array(kh * kw * cin * cout);
  for (let p = 0; p < kh * kw; p++) {
    for (let c = 0; c < cin; c++) {
      for (let o = 0; o < cout; o++) {
        let s = 0;
        for (let a = 0; a < k1; a++) {
          const ua = uin[c * k1 + a];
          for (let b = 0; b < k2; b++) s += ua * g[(p * k1 + a) * k2 + b] * uout[o * k2 + b];
        }
        w[(p * cin + c) * cout + o] = s;
      }
    }
  }
  let ss = 0;
  for (const v of w) ss += v * v;
  const f = scale / Math.sqrt(ss / w.length);
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i] * f + noise * scale * rng.normal();
  return out;
}

function lowRankMatrix(rng: Rng, n: number, m: number, r: number, scale: number, noise: number): Float32Array {
  const k = lowRankKernel(rng, 1, 1, n, m, r, r, scale, noise);
  return k;
}

function randomArray(rng: Rng, n: number, scale: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * rng.normal();
  return a;
}

async function save(model: tf.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData!;
      const bytes = new Uint8Array(Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      writeFileSync(join(dir, 'weights.bin'), bytes);
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
}

function setWeights(model: tf.LayersModel, name: string, values: Float32Array[]): void {
  const layer = model.getLayer(name);
  const current = layer.getWeights();
  layer.setWeights(values.map((v, i) => tf.tensor(v, current[i].shape)));
}

async function smallCnn(): Promise<void> {
  const rng = createRng(20190501);
  const model = tf.sequential({ name: 'small_cnn' });
  model.add(tf.layers.conv2d({ name: 'conv1', inputShape: [28, 28, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  model.add(tf.layers.conv2d({ name: 'conv3', filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.conv2d({ name: 'conv4', filters: 32, kernelSize: 3, padding: 'valid', activation: 'relu', useBias: false }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'dense', units: 10, activation: 'softmax' }));
  const R = SMALL_CNN_RANKS;
  setWeights(model, 'conv1', [randomArray(rng, 3 * 3 * 1 * 8, 0.3), randomArray(rng, 8, 0.01)]);
  setWeights(model, 'conv2', [lowRankKernel(rng, 3, 3, 8, 16, R.conv2.k1, R.conv2.k2, 0.1, 0.01), randomArray(rng, 16, 0.01)]);
  setWeights(model, 'conv3', [lowRankKernel(rng, 3, 3, 16, 32, R.conv3.k1, R.conv3.k2, 0.1, 0.01), randomArray(rng, 32, 0.01)]);
  setWeights(model, 'conv4', [lowRankKernel(rng, 3, 3, 32, 32, R.conv4.k1, R.conv4.k2, 0.1, 0.01)]);
  setWeights(model, 'dense', [lowRankMatrix(rng, 5 * 5 * 32, 10, R.dense.rank, 0.05, 0.01), randomArray(rng, 10, 0.01)]);
  await save(model, join(ROOT, 'small-cnn'));
  writeFileSync(join(ROOT, 'small-cnn', 'planted-ranks.json'), JSON.stringify(R, null, 2) + '\n');
}

async function residualConcat(): Promise<void> {
  const input = tf.input({ name: 'image', shape: [16, 16, 3] });
  const stem = tf.layers
    .conv2d({ name: 'stem', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(input) as tf.SymbolicTensor;
  let b = tf.layers.conv2d({ name: 'res_a', filters: 8, kernelSize: 3, padding: 'same' }).apply(stem) as tf.SymbolicTensor;
  b = tf.layers.batchNormalization({ name: 'res_bn' }).apply(b) as tf.SymbolicTensor;
  b = tf.layers.reLU({ name: 'res_relu' }).apply(b) as tf.SymbolicTensor;
  b = tf.layers.conv2d({ name: 'res_b', filters: 8, kernelSize: 3, padding: 'same' }).apply(b) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'res_add' }).apply([stem, b]) as tf.SymbolicTensor;
  const act = tf.layers.activation({ name: 'res_out', activation: 'relu' }).apply(sum) as tf.SymbolicTensor;
  const p1 = tf.layers.conv2d({ name: 'branch_1x1', filters: 4, kernelSize: 1, padding: 'same' }).apply(act) as tf.SymbolicTensor;
  const p3 = tf.layers.conv2d({ name: 'branch_3x3', filters: 6, kernelSize: 3, padding: 'same' }).apply(act) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate({ name: 'concat' }).apply([p1, p3, act]) as tf.SymbolicTensor;
  const padded = tf.layers.zeroPadding2d({ name: 'pad', padding: 1 }).apply(cat) as tf.SymbolicTensor;
  const dw = tf.layers.depthwiseConv2d({ name: 'depthwise', kernelSize: 3, padding: 'valid' }).apply(padded) as tf.SymbolicTensor;
  const down = tf.layers
    .conv2d({ name: 'down', filters: 16, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' })
    .apply(dw) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(down) as tf.SymbolicTensor;
  const drop = tf.layers.dropout({ name: 'drop', rate: 0.2 }).apply(gap) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'logits', units: 10 }).apply(drop) as tf.SymbolicTensor;
  const model = tf.model({ name: 'residual_concat', inputs: input, outputs: out });
  // Deterministic weights (glorot init is seeded per call otherwise).
  const rng = createRng(7);
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length === 0) continue;
    layer.setWeights(ws.map((w) => tf.tensor(randomArray(rng, w.size, 0.1), w.shape)));
  }
  // One trained-looking layer behind the Concatenate / depthwise path: ranks (4, 6) planted.
  setWeights(model, 'down', [lowRankKernel(rng, 3, 3, 18, 16, 4, 6, 0.1, 0.01), randomArray(rng, 16, 0.01)]);
  await save(model, join(ROOT, 'residual-concat'));
}

async function noWeights(): Promise<void> {
  // VGG-like CIFAR-10 topology, saved without its weights: the estimate path.
  const model = tf.sequential({ name: 'vgg_cifar_mini' });
  const block = (n: number, filters: number, first = false): void => {
    for (let i = 0; i < n; i++) {
      model.add(
        tf.layers.conv2d({
          name: `block${filters}_conv${i + 1}`,
          filters,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          ...(first && i === 0 ? { inputShape: [32, 32, 3] } : {}),
        }),
      );
    }
    model.add(tf.layers.maxPooling2d({ name: `block${filters}_pool`, poolSize: 2 }));
  };
  block(2, 64, true);
  block(2, 128);
  block(2, 256);
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'fc1', units: 256, activation: 'relu' }));
  model.add(tf.layers.dense({ name: 'fc2', units: 10, activation: 'softmax' }));
  const dir = join(ROOT, 'no-weights');
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: null,
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  await smallCnn();
  await residualConcat();
  await noWeights();
  console.log(`fixtures written under ${ROOT}`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
