// A VGG19-for-CIFAR-10 model.json + weights.bin (~80 MB) written straight in the TensorFlow.js
// Layers format, without tfjs: for the lens latency benchmark (test/e2e/bench-lens.ts). The kernels
// have a decaying channel spectrum (scaled Gaussian noise), so EVBMF finds non-zero ranks and
// does the full amount of work of a trained model.
import { mkdirSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../../src/core/random';

const CFG: (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'];

/** Writes `model.json` and `weights.bin` into `dir`; returns the model.json path and the weight bytes. */
export function writeVgg19Model(dir: string, opts: { width?: number; seed?: number } = {}): { modelPath: string; bytes: number } {
  const width = opts.width ?? 1;
  const rng = createRng(opts.seed ?? 7);
  mkdirSync(dir, { recursive: true });
  const layers: unknown[] = [];
  const weights: { name: string; shape: number[]; dtype: string }[] = [];
  const fd = openSync(join(dir, 'weights.bin'), 'w');
  let bytes = 0;
  const put = (a: Float32Array) => {
    writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    bytes += a.byteLength;
  };
  let cin = 3;
  let conv = 0;
  let pool = 0;
  for (const v of CFG) {
    if (v === 'M') {
      layers.push({
        class_name: 'MaxPooling2D',
        config: {
          name: `pool_${++pool}`,
          pool_size: [2, 2],
          strides: [2, 2],
          padding: 'valid',
          data_format: 'channels_last',
          trainable: true,
        },
      });
      continue;
    }
    const cout = Math.max(1, Math.round(v * width));
    const name = `conv2d_${++conv}`;
    const config: Record<string, unknown> = {
      name,
      filters: cout,
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'same',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: 'relu',
      use_bias: true,
      trainable: true,
    };
    if (conv === 1) config.batch_input_shape = [null, 32, 32, 3];
    layers.push({ class_name: 'Conv2D', config });
    const k = new Float32Array(9 * cin * cout);
    // Channel scales decaying like a trained layer's spectrum.
    const a = Float64Array.from({ length: cin }, (_, c) => Math.exp(-c / Math.max(2, cin / 6)));
    const b = Float64Array.from({ length: cout }, (_, o) => Math.exp(-o / Math.max(2, cout / 6)));
    for (let p = 0; p < 9; p++)
      for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) k[(p * cin + c) * cout + o] = rng.normal() * (0.02 + a[c] * b[o]);
    put(k);
    put(new Float32Array(cout));
    weights.push(
      { name: `${name}/kernel`, shape: [3, 3, cin, cout], dtype: 'float32' },
      { name: `${name}/bias`, shape: [cout], dtype: 'float32' },
    );
    cin = cout;
  }
  layers.push({ class_name: 'Flatten', config: { name: 'flatten', trainable: true } });
  layers.push({ class_name: 'Dense', config: { name: 'dense_1', units: 10, activation: 'linear', use_bias: true, trainable: true } });
  const d = new Float32Array(cin * 10);
  for (let i = 0; i < d.length; i++) d[i] = rng.normal() * 0.05;
  put(d);
  put(new Float32Array(10));
  weights.push({ name: 'dense_1/kernel', shape: [cin, 10], dtype: 'float32' }, { name: 'dense_1/bias', shape: [10], dtype: 'float32' });
  closeSync(fd);
  const model = {
    format: 'layers-model',
    generatedBy: 'tucker-train lens benchmark',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 'vgg19_cifar', layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  };
  const modelPath = join(dir, 'model.json');
  writeFileSync(modelPath, JSON.stringify(model, null, 2));
  return { modelPath, bytes };
}
