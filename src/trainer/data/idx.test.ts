// The IDX reader on small files the test writes (plain and gzipped), each bad-file refusal, the
// Fashion-MNIST spec (Debian path, missing package), the fixed training subset and the crop-only
// augmentation; the real Debian files when they are installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tempDir } from '../../../test/support/backend';
import { UserError } from '../../core/userError';
import { createRng } from '../../core/random';
import { augmentBatch } from './augment';
import { checkDatasetSpec, idxSpecOf, loadDataset } from '.';
import { checkIdxFolder, FASHION_MNIST_DEBIAN_DIR, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxImages, readIdxLabels } from './idx';

function idxImages(count: number, rows: number, cols: number, pixel: (i: number, p: number) => number): Buffer {
  const b = Buffer.alloc(16 + count * rows * cols);
  b.writeUInt32BE(IDX_IMAGES_MAGIC, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(rows, 8);
  b.writeUInt32BE(cols, 12);
  for (let i = 0; i < count; i++) for (let p = 0; p < rows * cols; p++) b[16 + i * rows * cols + p] = pixel(i, p);
  return b;
}

function idxLabels(labels: number[]): Buffer {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(IDX_LABELS_MAGIC, 0);
  b.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (b[8 + i] = l));
  return b;
}

const trainLabels = Array.from({ length: 40 }, (_, i) => i % 4);
const testLabels = [3, 2, 1, 0, 0, 1];
const pixel = (i: number, p: number) => (i * 7 + p) % 256;

/** A folder of the four standard files, gzipped or not; `over` replaces one file's bytes. */
function writeFolder(gzip: boolean, over: Partial<Record<string, Buffer>> = {}): string {
  const dir = tempDir('tucker-idx-');
  const files: Record<string, Buffer> = {
    'train-images-idx3-ubyte': idxImages(40, 5, 6, pixel),
    'train-labels-idx1-ubyte': idxLabels(trainLabels),
    't10k-images-idx3-ubyte': idxImages(6, 5, 6, pixel),
    't10k-labels-idx1-ubyte': idxLabels(testLabels),
    ...over,
  };
  for (const [name, bytes] of Object.entries(files)) {
    if (gzip) writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes));
    else writeFileSync(join(dir, name), bytes);
  }
  return dir;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError, `a UserError, got ${String(e)}`);
    assert.equal(e.message.split('\n').length, 1, 'one line');
    return e.message;
  }
  assert.fail('expected a refusal');
}

test('IDX: plain and gzipped files read the same; the test split validates; pixels in [0, 1]', () => {
  for (const gzip of [false, true]) {
    const dir = writeFolder(gzip);
    assert.deepEqual(checkDatasetSpec(`idx:${dir}`), { trainCount: 40 });
    const d = loadDataset(`idx:${dir}`);
    assert.equal(d.name, `idx:${dir}`);
    assert.deepEqual(d.inputShape, [5, 6, 1]);
    assert.equal(d.numClasses, 4, 'largest label + 1');
    assert.equal(d.train.n, 40);
    assert.equal(d.val.n, 6);
    assert.deepEqual(Array.from(d.val.y), testLabels);
    assert.equal(d.train.x.length, 40 * 30);
    assert.equal(d.train.x[7 * 30 + 3], Math.fround(pixel(7, 3) / 255));
    assert.deepEqual(d.augment, { pad: 1, flip: false });
    assert.match(d.description, /40 train \/ 6 test, 5×6×1, 4 classes/);
  }
  const dir = writeFolder(true);
  const images = readIdxImages(join(dir, 'train-images-idx3-ubyte.gz'));
  assert.deepEqual([images.count, images.rows, images.cols], [40, 5, 6]);
  assert.deepEqual(Array.from(readIdxLabels(join(dir, 't10k-labels-idx1-ubyte.gz')).labels), testLabels);
});

test('IDX: with both x and x.gz the uncompressed file is used; other names (test, dots) are found', () => {
  const dir = writeFolder(true);
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxLabels(trainLabels.map((l) => 3 - l)));
  const d = loadDataset(`idx:${dir}`);
  assert.equal(d.train.y[0], 3);
  const other = tempDir('tucker-idx-');
  writeFileSync(join(other, 'emnist-digits-train-images.idx3-ubyte'), idxImages(4, 2, 2, pixel));
  writeFileSync(join(other, 'emnist-digits-train-labels.idx1-ubyte'), idxLabels([0, 1, 0, 1]));
  writeFileSync(join(other, 'emnist-digits-test-images.idx3-ubyte'), idxImages(2, 2, 2, pixel));
  writeFileSync(join(other, 'emnist-digits-test-labels.idx1-ubyte'), idxLabels([1, 0]));
  assert.equal(loadDataset(`idx:${other}`).val.n, 2);
});

test('IDX: bad files are refused with one line naming the file', () => {
  const trunc = writeFolder(false, { 'train-images-idx3-ubyte': idxImages(40, 5, 6, pixel).subarray(0, 16 + 100) });
  const m1 = refusal(() => loadDataset(`idx:${trunc}`));
  assert.match(m1, /train-images-idx3-ubyte is truncated: its header announces 40 images of 5×6 \(1200 bytes\) but it holds 100/);

  const dir = writeFolder(true);
  const gz = gzipSync(idxImages(40, 5, 6, pixel));
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gz.subarray(0, gz.length - 20));
  assert.match(
    refusal(() => loadDataset(`idx:${dir}`)),
    /train-images-idx3-ubyte\.gz is a damaged or truncated gzip file/,
  );

  const swapped = writeFolder(false, { 't10k-images-idx3-ubyte': idxLabels(testLabels) });
  const m2 = refusal(() => checkDatasetSpec(`idx:${swapped}`));
  assert.match(m2, /t10k-images-idx3-ubyte has magic number 0x00000801, expected 0x00000803 for images \(it is an IDX labels file\)/);
  const garbage = writeFolder(false, { 'train-labels-idx1-ubyte': Buffer.from('not an idx file at all') });
  assert.match(
    refusal(() => checkDatasetSpec(`idx:${garbage}`)),
    /train-labels-idx1-ubyte has magic number 0x6e6f7420/,
  );

  const mismatch = writeFolder(true, { 'train-labels-idx1-ubyte': idxLabels(trainLabels.slice(0, 39)) });
  const m3 = refusal(() => checkDatasetSpec(`idx:${mismatch}`));
  assert.match(m3, /train-images-idx3-ubyte\.gz holds 40 images but .*train-labels-idx1-ubyte\.gz holds 39 labels/);

  const short = writeFolder(false, { 't10k-labels-idx1-ubyte': Buffer.from([0, 0, 8]) });
  assert.match(
    refusal(() => checkDatasetSpec(`idx:${short}`)),
    /t10k-labels-idx1-ubyte is truncated: 3 bytes/,
  );

  const missing = tempDir('tucker-idx-');
  writeFileSync(join(missing, 'train-images-idx3-ubyte'), idxImages(1, 2, 2, pixel));
  assert.match(
    refusal(() => checkDatasetSpec(`idx:${missing}`)),
    /no training labels \(train-labels-idx1-ubyte\[\.gz\]\) file in /,
  );
  assert.match(
    refusal(() => checkDatasetSpec(`idx:${join(missing, 'nope')}`)),
    /folder .*nope not found/,
  );
});

test('fashion-mnist: the Debian path; a missing package says how to install it; labels must be 0–9', () => {
  const gone = join(tempDir('tucker-idx-'), 'fashion-mnist');
  const spec = idxSpecOf('fashion-mnist', gone)!;
  assert.equal(idxSpecOf('fashion-mnist')!.dir, FASHION_MNIST_DEBIAN_DIR);
  const m = refusal(() => checkIdxFolder(spec.dir, spec.what, spec.missingHint));
  assert.match(m, /^dataset 'fashion-mnist': folder .* not found; .*apt-get install dataset-fashion-mnist/);
  mkdirSync(gone);
  assert.match(
    refusal(() => checkIdxFolder(spec.dir, spec.what, spec.missingHint)),
    /apt-get install dataset-fashion-mnist/,
  );

  const dir = writeFolder(true, { 'train-labels-idx1-ubyte': idxLabels(trainLabels.map((l, i) => (i === 5 ? 12 : l))) });
  assert.match(
    refusal(() => loadDataset(`fashion-mnist:${dir}`)),
    /train-labels-idx1-ubyte\.gz label 5 is 12, expected 0–9/,
  );
  const ok = loadDataset(`fashion-mnist:${writeFolder(true)}`);
  assert.equal(ok.numClasses, 10, 'Fashion-MNIST always has 10 classes');
  assert.match(ok.description, /^Fashion-MNIST from /);
});

test('--train-subset: a fixed, class-balanced subset; validation stays whole; too many is refused', () => {
  const dir = writeFolder(false);
  const a = loadDataset(`idx:${dir}`, { trainSubset: 12 });
  const b = loadDataset(`idx:${dir}`, { trainSubset: 12 });
  assert.equal(a.train.n, 12);
  assert.equal(a.val.n, 6);
  assert.deepEqual(Array.from(a.train.x), Array.from(b.train.x), 'the same images every time');
  const counts = [0, 0, 0, 0];
  for (const y of a.train.y) counts[y]++;
  assert.deepEqual(counts, [3, 3, 3, 3]);
  assert.match(a.description, /fixed subset of 12 of the 40 training images/);
  assert.equal(loadDataset(`idx:${dir}`, { trainSubset: 40 }).train.n, 40);
  assert.match(
    refusal(() => loadDataset(`idx:${dir}`, { trainSubset: 41 })),
    /^--train-subset 41: .* has only 40 training images/,
  );
});

test('augmentation without flips only shifts: a row never comes back mirrored', () => {
  const h = 3,
    w = 4;
  const img = Float32Array.from({ length: 12 }, (_, i) => i + 1);
  const rng = createRng(5);
  for (let k = 0; k < 50; k++) {
    const x = Float32Array.from(img);
    augmentBatch(x, 1, h, w, 1, rng, 1, false);
    for (let r = 0; r < h; r++) {
      const row = Array.from(x.subarray(r * w, (r + 1) * w)).filter((v) => v !== 0);
      for (let i = 1; i < row.length; i++) assert.ok(row[i] > row[i - 1], `row ${r} in order: ${row.join(',')}`);
    }
  }
});

test('the real Fashion-MNIST files (Debian dataset-fashion-mnist)', (t) => {
  if (!existsSync(FASHION_MNIST_DEBIAN_DIR)) {
    t.skip(`${FASHION_MNIST_DEBIAN_DIR} is missing: apt-get install dataset-fashion-mnist`);
    return;
  }
  assert.deepEqual(checkDatasetSpec('fashion-mnist'), { trainCount: 60000 });
  const d = loadDataset('fashion-mnist', { trainSubset: 1000 });
  assert.deepEqual(d.inputShape, [28, 28, 1]);
  assert.equal(d.numClasses, 10);
  assert.equal(d.val.n, 10000);
  const counts = new Array<number>(10).fill(0);
  for (const y of d.train.y) counts[y]++;
  assert.deepEqual(counts, new Array(10).fill(100));
});
