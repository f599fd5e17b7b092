// Image data in the MNIST IDX format (docs/design.md §7.3): a big-endian header — magic
// 0x00000803 (unsigned-byte images) with count, rows, cols, or 0x00000801 (unsigned-byte labels)
// with count — then the bytes. Files may be gzipped (detected by content, not by name). Used for
// Fashion-MNIST (`fashion-mnist`, Debian's dataset-fashion-mnist) and any MNIST-format folder
// (`idx:<folder>`: MNIST, KMNIST, EMNIST). Bad files are refused with one line naming the file.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { UserError } from '../../core/userError';
import type { Dataset, Split } from './types';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

/** Where `apt-get install dataset-fashion-mnist` puts the four gzipped IDX files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

type Kind = 'images' | 'labels';

interface IdxHeader {
  kind: Kind;
  count: number;
  rows: number; // 1 for labels
  cols: number;
  headerBytes: number;
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array; // count × rows × cols
}

export interface IdxLabels {
  count: number;
  labels: Uint8Array;
}

const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function parseHeader(b: Uint8Array, file: string, kind: Kind, what: string): IdxHeader {
  const need = kind === 'images' ? 16 : 8;
  const truncated = () => new UserError(`${what}: ${file} is truncated: ${b.length} bytes, shorter than an IDX ${kind} header (${need})`);
  if (b.length < 4) throw truncated();
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = view.getUint32(0, false);
  const expected = kind === 'images' ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC;
  if (magic !== expected) {
    const other = kind === 'images' ? IDX_LABELS_MAGIC : IDX_IMAGES_MAGIC;
    const hint = magic === other ? `it is an IDX ${kind === 'images' ? 'labels' : 'images'} file` : 'not an IDX file of unsigned bytes';
    throw new UserError(`${what}: ${file} has magic number ${hex(magic)}, expected ${hex(expected)} for ${kind} (${hint}); check the file`);
  }
  if (b.length < need) throw truncated();
  const count = view.getUint32(4, false);
  if (kind === 'labels') return { kind, count, rows: 1, cols: 1, headerBytes: 8 };
  return { kind, count, rows: view.getUint32(8, false), cols: view.getUint32(12, false), headerBytes: 16 };
}

/** Only the header: reads the first kilobytes (decompressing just those), so checks stay cheap. */
export function readIdxHeader(file: string, kind: Kind, what: string): IdxHeader {
  const prefix = Buffer.alloc(4096);
  let n: number;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, prefix, 0, prefix.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new UserError(`${what}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let head: Uint8Array = prefix.subarray(0, n);
  if (isGzip(head)) {
    try {
      head = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (e) {
      throw new UserError(`${what}: ${file} is not a valid gzip file (${(e as Error).message}); download it again`);
    }
  }
  return parseHeader(head, file, kind, what);
}

/** The whole file, decompressed if gzipped, checked against its header. */
function readIdx(file: string, kind: Kind, what: string): { header: IdxHeader; data: Uint8Array } {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new UserError(`${what}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let bytes: Uint8Array = raw;
  if (isGzip(raw)) {
    try {
      bytes = gunzipSync(raw);
    } catch (e) {
      throw new UserError(`${what}: ${file} is a damaged or truncated gzip file (${(e as Error).message}); download it again`);
    }
  }
  const header = parseHeader(bytes, file, kind, what);
  const expected = header.count * header.rows * header.cols;
  const got = bytes.length - header.headerBytes;
  const unit = kind === 'images' ? `images of ${header.rows}×${header.cols}` : 'labels';
  if (got < expected)
    throw new UserError(
      `${what}: ${file} is truncated: its header announces ${header.count} ${unit} (${expected} bytes) but it holds ${got}; download it again`,
    );
  if (got > expected)
    throw new UserError(
      `${what}: ${file} has ${got - expected} bytes after the ${header.count} ${unit} its header announces; the file is corrupt`,
    );
  return { header, data: bytes.subarray(header.headerBytes) };
}

export function readIdxImages(file: string, what = 'dataset'): IdxImages {
  const { header, data } = readIdx(file, 'images', what);
  return { count: header.count, rows: header.rows, cols: header.cols, pixels: data };
}

export function readIdxLabels(file: string, what = 'dataset'): IdxLabels {
  const { header, data } = readIdx(file, 'labels', what);
  return { count: header.count, labels: data };
}

// ---- a folder of four files ----

export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

const ROLE_WORDS: Record<keyof IdxFiles, string> = {
  trainImages: 'training images (train-images-idx3-ubyte[.gz])',
  trainLabels: 'training labels (train-labels-idx1-ubyte[.gz])',
  testImages: 'test images (t10k-images-idx3-ubyte[.gz])',
  testLabels: 'test labels (t10k-labels-idx1-ubyte[.gz])',
};

function roleOf(name: string): keyof IdxFiles | null {
  const n = name.toLowerCase();
  const images = n.includes('idx3'),
    labels = n.includes('idx1');
  if (images === labels) return null;
  const train = n.includes('train'),
    test = n.includes('t10k') || n.includes('test');
  if (train === test) return null;
  return train ? (images ? 'trainImages' : 'trainLabels') : images ? 'testImages' : 'testLabels';
}

/**
 * Finds the four files of an MNIST-format folder by name (train/t10k or test, idx3/idx1), gzipped
 * or not; with both `x` and `x.gz`, the uncompressed one is used.
 */
export function findIdxFiles(dir: string, what: string, missingHint = ''): IdxFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UserError(`${what}: folder ${dir} not found; give the folder that holds the four IDX files${missingHint}`);
  const found: Partial<Record<keyof IdxFiles, string[]>> = {};
  for (const name of readdirSync(dir).sort()) {
    const role = roleOf(name);
    if (role && statSync(join(dir, name)).isFile()) (found[role] ??= []).push(name);
  }
  const out: Partial<IdxFiles> = {};
  for (const role of Object.keys(ROLE_WORDS) as (keyof IdxFiles)[]) {
    let names = found[role] ?? [];
    if (names.length > 1) names = names.filter((n) => !n.endsWith('.gz') || !names.includes(n.slice(0, -3)));
    if (names.length === 0) throw new UserError(`${what}: no ${ROLE_WORDS[role]} file in ${dir}${missingHint}`);
    if (names.length > 1) throw new UserError(`${what}: several ${ROLE_WORDS[role]} files in ${dir} (${names.join(', ')}); keep one`);
    out[role] = join(dir, names[0]);
  }
  return out as IdxFiles;
}

/** Cheap check before a run folder exists: the files are there, their headers fit. Returns the training count. */
export function checkIdxFolder(dir: string, what: string, missingHint = ''): { trainCount: number } {
  const f = findIdxFiles(dir, what, missingHint);
  const ti = readIdxHeader(f.trainImages, 'images', what);
  const tl = readIdxHeader(f.trainLabels, 'labels', what);
  const vi = readIdxHeader(f.testImages, 'images', what);
  const vl = readIdxHeader(f.testLabels, 'labels', what);
  checkCounts(ti.count, tl.count, f.trainImages, f.trainLabels, what);
  checkCounts(vi.count, vl.count, f.testImages, f.testLabels, what);
  checkSizes(ti, vi, f, what);
  return { trainCount: ti.count };
}

function checkCounts(images: number, labels: number, imageFile: string, labelFile: string, what: string): void {
  if (images !== labels)
    throw new UserError(
      `${what}: ${imageFile} holds ${images} images but ${labelFile} holds ${labels} labels; the two files must belong together`,
    );
  if (images === 0) throw new UserError(`${what}: ${imageFile} holds no images`);
}

function checkSizes(train: { rows: number; cols: number }, test: { rows: number; cols: number }, f: IdxFiles, what: string): void {
  if (train.rows !== test.rows || train.cols !== test.cols)
    throw new UserError(
      `${what}: ${f.testImages} has ${test.rows}×${test.cols} images but ${f.trainImages} has ${train.rows}×${train.cols}; use files of one data set`,
    );
  if (train.rows < 1 || train.cols < 1 || train.rows > 512 || train.cols > 512)
    throw new UserError(`${what}: ${f.trainImages} has ${train.rows}×${train.cols} images; each side must be 1–512`);
}

function toSplit(images: IdxImages, labels: IdxLabels): Split {
  const x = new Float32Array(images.pixels.length);
  for (let i = 0; i < x.length; i++) x[i] = images.pixels[i] / 255;
  return { x, y: labels.labels, n: images.count };
}

export interface IdxLoadOptions {
  /** Name shown in messages and run.json, e.g. "dataset 'idx:/data/kmnist'". */
  what: string;
  name: string;
  title: string; // "Fashion-MNIST", "IDX"
  /** Fixed class count (labels must be below it); null: largest label + 1. */
  numClasses: number | null;
  missingHint?: string;
}

/** Loads a folder: training split for training, the test split (t10k) for validation. Pixels in [0, 1]. */
export function loadIdxFolder(dir: string, o: IdxLoadOptions): Dataset {
  const f = findIdxFiles(dir, o.what, o.missingHint);
  const ti = readIdxImages(f.trainImages, o.what);
  const tl = readIdxLabels(f.trainLabels, o.what);
  const vi = readIdxImages(f.testImages, o.what);
  const vl = readIdxLabels(f.testLabels, o.what);
  checkCounts(ti.count, tl.count, f.trainImages, f.trainLabels, o.what);
  checkCounts(vi.count, vl.count, f.testImages, f.testLabels, o.what);
  checkSizes(ti, vi, f, o.what);
  let maxLabel = 0;
  for (const [file, l] of [
    [f.trainLabels, tl],
    [f.testLabels, vl],
  ] as const) {
    for (let i = 0; i < l.count; i++) {
      const v = l.labels[i];
      if (o.numClasses !== null && v >= o.numClasses)
        throw new UserError(`${o.what}: ${file} label ${i} is ${v}, expected 0–${o.numClasses - 1}; the file is corrupt`);
      if (v > maxLabel) maxLabel = v;
    }
  }
  const numClasses = o.numClasses ?? Math.max(2, maxLabel + 1);
  const pad = Math.max(1, Math.round(Math.min(ti.rows, ti.cols) / 14)); // 2 pixels on 28×28
  return {
    name: o.name,
    description: `${o.title} from ${dir}: ${ti.count} train / ${vi.count} test, ${ti.rows}×${ti.cols}×1, ${numClasses} classes, random-crop augmentation (pad ${pad}, no flips)`,
    inputShape: [ti.rows, ti.cols, 1],
    numClasses,
    train: toSplit(ti, tl),
    val: toSplit(vi, vl),
    augment: { pad, flip: false },
  };
}
