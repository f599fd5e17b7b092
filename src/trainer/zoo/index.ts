// The model zoo: the paper's CIFAR networks plus a small digits net. Functional tfjs models,
// channels-last, logits out (softmax is in the loss). Seeded initialisers make runs repeatable.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/userError';

export const ZOO_NAMES = ['small-cnn', 'vgg19', 'resnet56', 'resnet56-pad', 'densenet40'] as const;
export type ZooName = (typeof ZOO_NAMES)[number];

export function isZooName(s: string): s is ZooName {
  return (ZOO_NAMES as readonly string[]).includes(s);
}

type Sym = tf.SymbolicTensor;

class Builder {
  private n = 0;
  private counts = new Map<string, number>();
  constructor(private seed: number) {}
  private nextSeed(): number {
    return (this.seed * 1000003 + ++this.n * 7919) % 2147483647;
  }
  /** conv2d_1, conv2d_2, …: stable names, so checkpoints and rank tables line up across runs. */
  name(prefix: string): string {
    const k = (this.counts.get(prefix) ?? 0) + 1;
    this.counts.set(prefix, k);
    return `${prefix}_${k}`;
  }

  conv(x: Sym, filters: number, kernel: number, opts: { strides?: number; useBias?: boolean; name?: string } = {}): Sym {
    return tf.layers
      .conv2d({
        filters,
        kernelSize: kernel,
        strides: opts.strides ?? 1,
        padding: 'same',
        useBias: opts.useBias ?? false,
        kernelInitializer: tf.initializers.heNormal({ seed: this.nextSeed() }),
        name: opts.name ?? this.name('conv2d'),
      })
      .apply(x) as Sym;
  }
  bn(x: Sym): Sym {
    return tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: this.name('bn') }).apply(x) as Sym;
  }
  relu(x: Sym): Sym {
    return tf.layers.activation({ activation: 'relu', name: this.name('relu') }).apply(x) as Sym;
  }
  dense(x: Sym, units: number): Sym {
    return tf.layers
      .dense({ units, kernelInitializer: tf.initializers.glorotUniform({ seed: this.nextSeed() }), name: this.name('dense') })
      .apply(x) as Sym;
  }
}

function smallCnn(b: Builder, x: Sym, classes: number): Sym {
  // Sized so that an epoch of the 8,500 bundled digits takes tens of seconds on a 2-core CPU;
  // conv-BN-ReLU like the paper's networks (BN also keeps training stable across decomposition).
  const block = (h: Sym, c: number) => b.relu(b.bn(b.conv(h, c, 3)));
  let h = block(x, 16);
  h = tf.layers.maxPooling2d({ poolSize: 2, padding: 'same', name: b.name('pool') }).apply(h) as Sym;
  h = block(block(h, 32), 32);
  h = tf.layers.maxPooling2d({ poolSize: 2, padding: 'same', name: b.name('pool') }).apply(h) as Sym;
  h = block(block(h, 64), 64);
  h = tf.layers.globalAveragePooling2d({ name: b.name('gap') }).apply(h) as Sym;
  return b.dense(h, classes);
}

const VGG19_CFG: (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'];

function vgg19(b: Builder, x: Sym, classes: number, width = 1): Sym {
  let h = x;
  for (const v of VGG19_CFG) {
    if (v === 'M') h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: b.name('pool') }).apply(h) as Sym;
    else h = b.relu(b.bn(b.conv(h, Math.max(1, Math.round(v * width)), 3)));
  }
  h = tf.layers.flatten({ name: b.name('flatten') }).apply(h) as Sym;
  return b.dense(h, classes);
}

/**
 * The paper's CIFAR ResNet's parameter-free shortcut ("option A"; Idelbayev's PyTorch ResNet56,
 * 853,018 trainable parameters): x[:, ::2, ::2, :] then zero channels on both sides. Built from
 * serialisable layers only (pool 1 / stride 2 picks every other pixel; the channel padding is a
 * ZeroPadding2D over a [H·W, C, 1] view), so checkpoints and graph surgery keep working.
 */
export function padShortcut(name: (prefix: string) => string, h: Sym, channels: number, stride: number): Sym {
  let s = h;
  if (stride !== 1) s = tf.layers.maxPooling2d({ poolSize: 1, strides: stride, padding: 'valid', name: name('subsample') }).apply(s) as Sym;
  const [hh, ww, c] = [s.shape[1] as number, s.shape[2] as number, s.shape[3] as number];
  const extra = channels - c;
  if (extra === 0) return s;
  const before = Math.floor(extra / 2);
  s = tf.layers.reshape({ targetShape: [hh * ww, c, 1], name: name('reshape') }).apply(s) as Sym;
  s = tf.layers
    .zeroPadding2d({
      padding: [
        [0, 0],
        [before, extra - before],
      ],
      name: name('chpad'),
    })
    .apply(s) as Sym;
  return tf.layers.reshape({ targetShape: [hh, ww, channels], name: name('reshape') }).apply(s) as Sym;
}

function resnet56(b: Builder, x: Sym, classes: number, width = 1, shortcut: 'projection' | 'pad' = 'projection'): Sym {
  const blocksPerStage = 9;
  let h = b.relu(b.bn(b.conv(x, Math.round(16 * width), 3)));
  [16, 32, 64].forEach((c0, stage) => {
    const c = Math.max(1, Math.round(c0 * width));
    for (let i = 0; i < blocksPerStage; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      let y = b.relu(b.bn(b.conv(h, c, 3, { strides: stride })));
      y = b.bn(b.conv(y, c, 3));
      // Where the shape changes: a projection (1×1 conv + BN; the paper does not decompose these)
      // or the paper's parameter-free zero-padding shortcut.
      const changes = stride !== 1 || (h.shape[3] as number) !== c;
      const short = !changes
        ? h
        : shortcut === 'pad'
          ? padShortcut((p) => b.name(p), h, c, stride)
          : b.bn(b.conv(h, c, 1, { strides: stride }));
      h = b.relu(tf.layers.add({ name: b.name('add') }).apply([y, short]) as Sym);
    }
  });
  h = tf.layers.globalAveragePooling2d({ name: b.name('gap') }).apply(h) as Sym;
  return b.dense(h, classes);
}

function densenet40(b: Builder, x: Sym, classes: number, growth = 12): Sym {
  const layersPerBlock = 12; // (40 - 4) / 3
  let h = b.conv(x, 2 * growth > 16 ? 2 * growth : 16, 3);
  for (let block = 0; block < 3; block++) {
    for (let i = 0; i < layersPerBlock; i++) {
      const y = b.conv(b.relu(b.bn(h)), growth, 3);
      h = tf.layers.concatenate({ axis: -1, name: b.name('concat') }).apply([h, y]) as Sym;
    }
    if (block < 2) {
      const c = h.shape[3] as number;
      h = b.conv(b.relu(b.bn(h)), c, 1);
      h = tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same', name: b.name('avgpool') }).apply(h) as Sym;
    }
  }
  h = b.relu(b.bn(h));
  h = tf.layers.globalAveragePooling2d({ name: b.name('gap') }).apply(h) as Sym;
  return b.dense(h, classes);
}

export interface ZooOptions {
  inputShape: [number, number, number];
  numClasses: number;
  seed: number;
  /** Channel multiplier for quick tests (VGG19/ResNet56) or growth rate (DenseNet); 1 = the paper's. */
  width?: number;
  /** ResNet56's shortcut where the shape changes: 1×1 projection (default for `resnet56`) or the paper's zero padding (`resnet56-pad`). */
  shortcut?: 'projection' | 'pad';
}

export function buildZooModel(name: string, opts: ZooOptions): tf.LayersModel {
  if (!isZooName(name))
    throw new UserError(`--model '${name}': unknown model; use one of ${ZOO_NAMES.join(', ')} or a path to a TensorFlow.js model.json`);
  const b = new Builder(opts.seed);
  const input = tf.input({ shape: opts.inputShape, name: 'input' });
  let out: Sym;
  switch (name) {
    case 'small-cnn':
      out = smallCnn(b, input, opts.numClasses);
      break;
    case 'vgg19':
      out = vgg19(b, input, opts.numClasses, opts.width ?? 1);
      break;
    case 'resnet56':
    case 'resnet56-pad':
      out = resnet56(b, input, opts.numClasses, opts.width ?? 1, opts.shortcut ?? (name === 'resnet56-pad' ? 'pad' : 'projection'));
      break;
    case 'densenet40':
      out = densenet40(b, input, opts.numClasses, Math.round(12 * (opts.width ?? 1)));
      break;
  }
  return tf.model({ inputs: input, outputs: out, name });
}
