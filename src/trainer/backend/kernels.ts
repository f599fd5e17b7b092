// Training kernels for the TensorFlow.js `wasm` backend (which has no Conv2DBackpropFilter and a
// naive Conv2DBackpropInput) and replacements for the pure-JS `cpu` backend's pathological ones.
// The convolution gradients are built from ops the backend runs fast (transpose, pad, a forward
// conv2d, matMul), so they run on whichever backend is active; pooling gradients and leading-axis
// reductions are direct typed-array loops. Registered (registerTrainingKernels):
//   both:  Conv2DBackpropFilter (missing on wasm; a naive loop on cpu), Conv2DBackpropInput
//          (naive on both), MaxPoolGrad (slow on both)
//   wasm:  BatchMatMul with transposeA/B (16× slow path: transpose explicitly first), Sum and
//          Mean over leading axes (bias gradients, batch-norm moments: wasm transposes first)
//   and the Conv2D gradient, so dilated convs train on these backends (tfjs refuses dilation > 1)
// Every kernel is checked against float64 references in kernels.test.ts.
import * as tf from '@tensorflow/tfjs';
import { patchBatchNormGradient } from './batchNormGrad';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  top: number;
  left: number;
  bottom: number;
  right: number;
}

function geometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Pad,
  dilations: number | [number, number] = 1,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
  const { top, left } = info.padInfo;
  const dh = info.dilationHeight;
  const dw = info.dilationWidth;
  // Extent of input rows/cols the conv reads, padded: (out-1)*s + (k-1)*d + 1.
  const needH = (info.outHeight - 1) * info.strideHeight + (info.filterHeight - 1) * dh + 1;
  const needW = (info.outWidth - 1) * info.strideWidth + (info.filterWidth - 1) * dw + 1;
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh,
    dw,
    top,
    left,
    // May be negative when the padded input has rows the conv never reads (valid + stride).
    bottom: needH - top - info.inHeight,
    right: needW - left - info.inWidth,
  };
}

/** Pads (or crops, for negative amounts) the spatial dims of an NHWC tensor. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = y.shape;
    const t0 = Math.max(0, -top),
      l0 = Math.max(0, -left);
    const hh = h - t0 - Math.max(0, -bottom),
      ww = w - l0 - Math.max(0, -right);
    y = tf.slice(y, [0, t0, l0, 0], [n, hh, ww, c]);
  }
  const pt = Math.max(0, top),
    pb = Math.max(0, bottom),
    pl = Math.max(0, left),
    pr = Math.max(0, right);
  if (pt || pb || pl || pr)
    y = tf.pad(y, [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ]);
  return y;
}

/**
 * Crops the negative amounts (slice) and returns the non-negative ones as explicit conv padding,
 * so the conv pads internally instead of copying the tensor into a padded one.
 */
function cropForConv(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): { t: tf.Tensor4D; pad: tf.backend_util.ExplicitPadding } {
  const t =
    top < 0 || bottom < 0 || left < 0 || right < 0
      ? padOrCrop(x, Math.min(0, top), Math.min(0, bottom), Math.min(0, left), Math.min(0, right))
      : x;
  return {
    t,
    pad: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/**
 * dL/dW of a conv2d (NHWC, filter [kh,kw,inC,outC]). dW[i,j,c,o] = Σ_{n,y,x} xp[n, y·s + i·d, x·s + j·d, c]
 * · dy[n,y,x,o] is itself a forward conv: input xp transposed to [inC, Hp, Wp, batch] (batch as
 * channels), filter dy transposed to [outH, outW, batch, outC], dilation = forward stride,
 * stride = forward dilation; output [inC, kh, kw, outC]. On wasm this runs in XNNPACK's conv at
 * ~3× the speed of an im2col + matMul (measured). Pointwise stride-1 convs are one matMul.
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Pad,
  dilations: number | [number, number] = 1,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = geometry(x.shape, filterShape, strides, pad, dilations, dimRoundingMode);
    const rows = g.batch * g.outH * g.outW;
    if (g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.top === 0 && g.left === 0 && g.bottom === 0 && g.right === 0) {
      // dW = xᵀ·dy over the N·H·W rows. wasm's matMul packs its B operand (XNNPACK weights) for
      // every fresh tensor, slower per element than a transpose at this K: so B is the activation
      // with fewer channels (a Tucker factor's K1/K2 side) and the other one is transposed.
      // Measured 64→16 at 32×32, batch 32: 15 ms vs 30 ms the other way round.
      const x2 = tf.reshape(x, [rows, g.inC]) as tf.Tensor2D;
      const dy2 = tf.reshape(dy, [rows, g.outC]) as tf.Tensor2D;
      if (g.inC > g.outC) return tf.reshape(tf.matMul(tf.transpose(x2) as tf.Tensor2D, dy2), filterShape) as tf.Tensor4D;
      const r = tf.matMul(tf.transpose(dy2) as tf.Tensor2D, x2); // [outC, inC], small
      return tf.reshape(tf.transpose(r), filterShape) as tf.Tensor4D;
    }
    const xT = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D; // [inC, H, W, batch]
    const { t: xTc, pad: cpad } = cropForConv(xT, g.top, g.bottom, g.left, g.right);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [outH, outW, batch, outC]
    // tfjs' conv2d wants stride or dilation to be 1; a conv has either forward stride or forward dilation > 1.
    const r = tf.conv2d(xTc, dyT, [g.dh, g.dw], cpad, 'NHWC', [g.sh, g.sw]); // [inC, kh, kw, outC]
    return tf.transpose(r, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** Zero-inserts (s-1) rows/cols between the spatial entries of dy: [n, (h-1)*sh+1, (w-1)*sw+1, c]. */
function dilateSpatial(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const e = tf.reshape(dy, [n, h, 1, w, 1, c]);
  const p = tf.pad(e, [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const r = tf.reshape(p, [n, h * sh, w * sw, c]) as tf.Tensor4D;
  return tf.slice(r, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/**
 * The input-gradient filter: spatially flipped, in/out channels swapped ([kh,kw,inC,outC] →
 * [kh,kw,outC,inC]). Reversing both spatial axes is reversing the flattened kh·kw axis: one
 * transpose, then on wasm kh·kw block copies in the heap. wasm's Reverse takes ~70 ms for a
 * 3×3×512×512 filter, and so do its Gather and nine Slices + Concat; this takes ~7 ms (measured).
 */
function flipSwapFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, inC, outC] = filter.shape;
  const k = kh * kw;
  const t = tf.transpose(tf.reshape(filter, [k, inC, outC]), [0, 2, 1]) as tf.Tensor3D; // [kh·kw, outC, inC]
  if (k === 1) return tf.reshape(t, [kh, kw, outC, inC]);
  const be = tf.backend();
  if (tf.getBackend() !== 'wasm' || !isHeapBackend(be)) return tf.reshape(tf.reverse(t, 0), [kh, kw, outC, inC]);
  const out = be.makeOutput([kh, kw, outC, inC], 'float32');
  const o = be.typedArrayFromHeap(out),
    v = be.typedArrayFromHeap(t); // views taken after the allocation
  const blk = outC * inC;
  for (let i = 0; i < k; i++) o.set(v.subarray((k - 1 - i) * blk, (k - i) * blk), i * blk);
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor4D;
}

/**
 * dL/dx of a conv2d as a forward stride-1 conv of dy (zero-inserted for stride > 1) with the
 * spatially flipped, in/out-transposed filter. 1×1 stride-1 convs become one matMul.
 */
export function conv2dInputGrad(
  xShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number | [number, number],
  pad: Pad,
  dilations: number | [number, number] = 1,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const g = geometry(xShape, filter.shape, strides, pad, dilations, dimRoundingMode);
    if (g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.top === 0 && g.left === 0 && g.bottom === 0 && g.right === 0) {
      const wT = tf.transpose(tf.reshape(filter, [g.inC, g.outC])); // [outC, inC]
      const r = tf.matMul(tf.reshape(dy, [g.batch * g.outH * g.outW, g.outC]) as tf.Tensor2D, wT);
      return tf.reshape(r, xShape) as tf.Tensor4D;
    }
    // Flip spatially and swap in/out channels: [kh, kw, outC, inC].
    const wf = flipSwapFilter(filter);
    const dyd = dilateSpatial(dy, g.sh, g.sw);
    const effH = (g.kh - 1) * g.dh,
      effW = (g.kw - 1) * g.dw;
    const pt = effH - g.top,
      pl = effW - g.left;
    const pb = g.inH + effH - dyd.shape[1] - pt;
    const pr = g.inW + effW - dyd.shape[2] - pl;
    // Negative pads (padding larger than the kernel extent) are crops of dy.
    const { t: dyc, pad: cpad } = cropForConv(dyd, pt, pb, pl, pr);
    return tf.conv2d(dyc, wf, 1, cpad, 'NHWC', [g.dh, g.dw]);
  });
}

// ---- kernel registration -------------------------------------------------------------------

/** Turns a tensor computed by nested ops into a kernel output the engine can adopt. */
function adopt(backend: unknown, t: tf.Tensor): TensorInfo {
  const b = backend as tf.KernelBackend;
  b.incRef(t.dataId);
  const info = { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
  t.dispose();
  return info;
}

function asTensor<T extends tf.Tensor>(info: TensorInfo): T {
  // Kernel inputs are Tensors in practice (the engine passes the op's tensors).
  return info as unknown as T;
}

function nhwc(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel}: only NHWC is supported by tucker-train's kernels (got ${String(dataFormat)})`);
  }
}

const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as NamedAttrMap & {
    strides: [number, number] | number;
    pad: Pad;
    dataFormat?: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
    dilations?: number | [number, number];
  };
  nhwc(a.dataFormat, 'Conv2DBackpropFilter');
  const r = conv2dFilterGrad(asTensor(x), asTensor(dy), a.filterShape, a.strides, a.pad, a.dilations ?? 1, a.dimRoundingMode);
  return adopt(backend, r);
};

const conv2DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as NamedAttrMap & {
    strides: [number, number] | number;
    pad: Pad;
    dataFormat?: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
    dilations?: number | [number, number];
  };
  nhwc(a.dataFormat, 'Conv2DBackpropInput');
  const r = conv2dInputGrad(a.inputShape, asTensor(dy), asTensor(filter), a.strides, a.pad, a.dilations ?? 1, a.dimRoundingMode);
  return adopt(backend, r);
};

// ---- direct typed-array kernels --------------------------------------------------------------

/** The wasm backend's heap access (absent on cpu). */
interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

function isHeapBackend(b: unknown): b is HeapBackend {
  return typeof (b as HeapBackend).typedArrayFromHeap === 'function' && typeof (b as HeapBackend).makeOutput === 'function';
}

/**
 * Allocates a zeroed float32 output and hands views of it and of the inputs to `fill`. On wasm
 * the views are into the heap (no copies; the output is allocated first so no later allocation
 * can detach them); on cpu they are the backend's own arrays.
 */
function withArrays(
  backend: unknown,
  outShape: number[],
  inputs: TensorInfo[],
  fill: (out: Float32Array, ins: Float32Array[]) => void,
): TensorInfo {
  if (isHeapBackend(backend)) {
    const out = backend.makeOutput(outShape, 'float32');
    const o = backend.typedArrayFromHeap(out);
    o.fill(0);
    fill(
      o,
      inputs.map((t) => backend.typedArrayFromHeap(t)),
    );
    return out;
  }
  const b = backend as tf.KernelBackend & { makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo };
  const o = new Float32Array(outShape.reduce((a, c) => a * c, 1));
  fill(
    o,
    inputs.map((t) => b.readSync(t.dataId) as Float32Array),
  );
  return b.makeTensorInfo(outShape, 'float32', o);
}

/** The common 2×2 / stride 2 / unpadded case, windows fully inside: no scratch, one pass. */
function maxPoolGrad2x2(
  dx: Float32Array,
  g: Float32Array,
  x: Float32Array,
  N: number,
  H: number,
  W: number,
  C: number,
  OH: number,
  OW: number,
): void {
  let gi = 0;
  const row = W * C;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < OH; oy++) {
      let p0 = (n * H + oy * 2) * row;
      for (let ox = 0; ox < OW; ox++, p0 += 2 * C) {
        for (let c = 0; c < C; c++, gi++) {
          const a = p0 + c,
            b = a + C,
            d = a + row,
            e = d + C;
          let at = -1,
            best = -Infinity;
          if (x[a] > best) {
            best = x[a];
            at = a;
          }
          if (x[b] > best) {
            best = x[b];
            at = b;
          }
          if (x[d] > best) {
            best = x[d];
            at = d;
          }
          if (x[e] > best) {
            at = e;
          }
          if (at >= 0) dx[at] += g[gi];
        }
      }
    }
  }
}

function maxPoolGradLoop(
  dx: Float32Array,
  g: Float32Array,
  x: Float32Array,
  N: number,
  H: number,
  W: number,
  C: number,
  OH: number,
  OW: number,
  sh: number,
  sw: number,
  fh: number,
  fw: number,
  top: number,
  left: number,
): void {
  const best = new Float32Array(C);
  const pos = new Int32Array(C);
  let gb = 0;
  for (let n = 0; n < N; n++) {
    const xb = n * H * W * C;
    for (let oy = 0; oy < OH; oy++) {
      const y0 = oy * sh - top;
      const yLo = y0 > 0 ? y0 : 0,
        yHi = y0 + fh < H ? y0 + fh : H;
      for (let ox = 0; ox < OW; ox++) {
        const x0 = ox * sw - left;
        const xLo = x0 > 0 ? x0 : 0,
          xHi = x0 + fw < W ? x0 + fw : W;
        for (let c = 0; c < C; c++) {
          best[c] = -Infinity;
          pos[c] = -1;
        }
        for (let yy = yLo; yy < yHi; yy++) {
          for (let xx = xLo; xx < xHi; xx++) {
            const base = xb + (yy * W + xx) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (v > best[c]) {
                best[c] = v;
                pos[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < C; c++) {
          const p = pos[c];
          if (p >= 0) dx[p] += g[gb + c];
        }
        gb += C;
      }
    }
  }
}

/**
 * MaxPoolGrad: routes each dy entry to the first strictly-largest input of its window (row-major
 * scan, like the cpu backend), channels innermost so the loops run over contiguous memory.
 * wasm's own kernel took ~100 ms for a 64×32×32×64 input; this one takes a few ms.
 */
const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const a = attrs as NamedAttrMap & {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: Pad;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: OH,
    outWidth: OW,
    strideHeight: sh,
    strideWidth: sw,
    filterHeight: fh,
    filterWidth: fw,
  } = info;
  const { top, left } = info.padInfo;
  const simple2x2 = fh === 2 && fw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && OH * 2 <= H && OW * 2 <= W;
  return withArrays(backend, input.shape, [dy, input], (dx, [g, x]) =>
    simple2x2 ? maxPoolGrad2x2(dx, g, x, N, H, W, C, OH, OW) : maxPoolGradLoop(dx, g, x, N, H, W, C, OH, OW, sh, sw, fh, fw, top, left),
  );
};

/**
 * Σ over the rows of xv viewed as [rows, cols] into acc (float64). Four rows per pass: a quarter
 * of the accumulator loads/stores of the plain loop, ~3× faster in V8 (measured 3.8 vs 11 ms for
 * 32768×64). (A matMul with a ones row is no faster on wasm: XNNPACK packs B, the activation,
 * for every fresh tensor, ~65 ms for 32768×64.)
 */
function sumRows(xv: Float32Array, rows: number, cols: number, acc: Float64Array): void {
  const c2 = 2 * cols,
    c3 = 3 * cols;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b = r * cols;
    for (let c = 0; c < cols; c++) {
      const i = b + c;
      acc[c] += xv[i] + xv[i + cols] + (xv[i + c2] + xv[i + c3]);
    }
  }
  for (; r < rows; r++) {
    const b = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += xv[b + c];
  }
}

/**
 * Sum / Mean over leading axes (bias gradients: dy [N,H,W,C] summed over N,H,W; batch-norm
 * moments). wasm's reductions first transpose the reduced axes innermost (a full copy); this sums
 * rows in place, accumulating in float64.
 */
function leadingReduce(original: KernelConfig, mean: boolean): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const a = args.attrs as NamedAttrMap & { axis: number | number[]; keepDims?: boolean };
    const rank = x.shape.length;
    const axes = (Array.isArray(a.axis) ? a.axis : [a.axis]).map((v) => (v < 0 ? v + rank : v)).sort((p, q) => p - q);
    const prefix = axes.length > 0 && axes.length < rank && axes.every((v, i) => v === i);
    if (!prefix || x.dtype !== 'float32') return original.kernelFunc(args);
    const rows = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1);
    const cols = x.shape.slice(axes.length).reduce((p, q) => p * q, 1);
    if (rows < 2 || cols === 0) return original.kernelFunc(args);
    const outShape = a.keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    const scale = mean ? 1 / rows : 1;
    return withArrays(args.backend, outShape, [x], (o, [xv]) => {
      const acc = new Float64Array(cols);
      sumRows(xv, rows, cols, acc);
      for (let c = 0; c < cols; c++) o[c] = acc[c] * scale;
    });
  };
}

/**
 * Identity on wasm copies the whole buffer (clone, gradient bookkeeping: ~500 calls per VGG19
 * step); tensors are immutable, so share the data and count a reference, as the cpu backend does.
 */
function sharedIdentity(original: KernelConfig): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return original.kernelFunc(args);
    (args.backend as tf.KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/**
 * BatchMatMul with transposeA/transposeB: wasm takes a slow path for those (16× measured), and
 * tfjs' matMul gradients always ask for one. Transpose explicitly, then call the original kernel.
 */
function explicitTransposeMatMul(original: KernelConfig): KernelFunc {
  return (args) => {
    const attrs = args.attrs as NamedAttrMap & { transposeA?: boolean; transposeB?: boolean };
    if (!attrs?.transposeA && !attrs?.transposeB) return original.kernelFunc(args);
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const swapLast = (t: tf.Tensor): tf.Tensor => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return tf.transpose(t, perm);
    };
    const aT = attrs.transposeA ? swapLast(asTensor(a)) : null;
    const bT = attrs.transposeB ? swapLast(asTensor(b)) : null;
    try {
      return original.kernelFunc({
        ...args,
        inputs: { a: aT ?? a, b: bT ?? b },
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      aT?.dispose();
      bT?.dispose();
    }
  };
}

/**
 * tfjs' Conv2D gradient refuses dilation > 1 ("not yet supported in gradients"). Our backprop
 * kernels take a `dilations` attribute, so on a backend running them the gradient passes it on;
 * elsewhere (native backends, whose kernels would ignore it) the stock gradient and its error stay.
 */
let conv2DGradPatched = false;
function patchConv2DGradient(): void {
  if (conv2DGradPatched) return;
  const stock = tf.getGradient('Conv2D');
  if (!stock) return;
  conv2DGradPatched = true;
  const config: GradConfig = {
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as NamedAttrMap & {
        dilations?: number | [number, number];
        strides: number | [number, number];
        pad: Pad;
        dataFormat?: string;
        dimRoundingMode?: string;
      };
      const d = a.dilations ?? 1;
      const dilated = Array.isArray(d) ? d.some((v) => v !== 1) : d !== 1;
      if (!dilated || !registeredFor.has(tf.getBackend())) return stock.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const common = {
        strides: a.strides,
        pad: a.pad,
        dataFormat: a.dataFormat ?? 'NHWC',
        dimRoundingMode: a.dimRoundingMode,
        dilations: d,
      };
      return {
        x: () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: dy as tf.Tensor, filter }, {
            ...common,
            inputShape: x.shape,
          } as unknown as NamedAttrMap) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dy as tf.Tensor }, {
            ...common,
            filterShape: filter.shape,
          } as unknown as NamedAttrMap) as tf.Tensor,
      };
    },
  };
  tf.registerGradient(config);
}

/** What registerTrainingKernels did, for logs and run.json. */
export interface KernelReport {
  backend: string;
  registered: string[];
}

const registeredFor = new Map<string, string[]>();

/** The backend's own kernels we replaced, to restore them (tests, `--stock` comparisons). */
const originals = new Map<string, KernelConfig>();
const key = (kernelName: string, backendName: string): string => `${backendName}/${kernelName}`;

function replace(config: KernelConfig): void {
  const k = key(config.kernelName, config.backendName);
  const existing = tf.getKernel(config.kernelName, config.backendName);
  if (existing) {
    if (!originals.has(k)) originals.set(k, existing);
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

/** Puts back the backend's own kernels (and unregisters ours where it had none). */
export function restoreStockKernels(backendName: string): void {
  const names = registeredFor.get(backendName);
  if (!names) return;
  for (const name of names) {
    const k = key(name, backendName);
    if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
    const orig = originals.get(k);
    if (orig) {
      tf.registerKernel(orig);
      // Its setup may not have run if we replaced it before the backend was initialised.
      const be = tf.engine().registry[backendName];
      if (be && orig.setupFunc) orig.setupFunc(be);
    }
  }
  registeredFor.delete(backendName);
}

/**
 * Registers tucker-train's training kernels on `backendName` ('wasm' or 'cpu'). Idempotent.
 * Call before or after the backend is initialised (these kernels need no setup).
 */
export function registerTrainingKernels(backendName: string): KernelReport {
  const done = registeredFor.get(backendName);
  if (done) return { backend: backendName, registered: done };
  const names: string[] = [];
  const add = (kernelName: string, kernelFunc: KernelFunc): void => {
    replace({ kernelName, backendName, kernelFunc });
    names.push(kernelName);
  };
  add('Conv2DBackpropFilter', conv2DBackpropFilter);
  add('Conv2DBackpropInput', conv2DBackpropInput);
  add('MaxPoolGrad', maxPoolGrad);
  patchConv2DGradient();
  if (patchBatchNormGradient()) names.push('FusedBatchNorm gradient (broadcast, no tile)');
  if (backendName === 'wasm') {
    const mm = originals.get(key('BatchMatMul', backendName)) ?? tf.getKernel('BatchMatMul', backendName);
    if (mm) {
      replace({ ...mm, kernelFunc: explicitTransposeMatMul(mm) });
      names.push('BatchMatMul');
    }
    const id = originals.get(key('Identity', backendName)) ?? tf.getKernel('Identity', backendName);
    if (id) {
      replace({ ...id, kernelFunc: sharedIdentity(id) });
      names.push('Identity');
    }
    for (const [name, mean] of [
      ['Sum', false],
      ['Mean', true],
    ] as const) {
      const orig = originals.get(key(name, backendName)) ?? tf.getKernel(name, backendName);
      if (orig) {
        replace({ ...orig, kernelFunc: leadingReduce(orig, mean) });
        names.push(name);
      }
    }
  }
  registeredFor.set(backendName, names);
  return { backend: backendName, registered: names };
}
