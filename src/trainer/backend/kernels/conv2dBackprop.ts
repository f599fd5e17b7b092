// Conv2D gradients built from ops the backend runs fast (transpose, pad, a forward conv2d,
// matMul), so they run on whichever backend is active: conv2dFilterGrad / conv2dInputGrad (also
// used by the wasm worker pool) and the Conv2DBackpropFilter / Conv2DBackpropInput kernels.
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { adopt, asTensor, isHeapBackend, nhwc, type Pad } from './common';
import { pointwiseFilterGrad } from './pointwiseFilterGrad';

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
      // dW = xᵀ·dy over the N·H·W rows: on wasm one kernel in the heap, no transposes (either
      // orientation: it wants the columns of its result a multiple of 4).
      const direct = pointwiseFilterGrad(x, dy, rows, g.inC, g.outC);
      if (direct) return tf.engine().makeTensorFromTensorInfo(direct) as tf.Tensor4D;
      const swapped = pointwiseFilterGrad(dy, x, rows, g.outC, g.inC);
      if (swapped)
        return tf.reshape(
          tf.transpose(tf.reshape(tf.engine().makeTensorFromTensorInfo(swapped), [g.outC, g.inC])),
          filterShape,
        ) as tf.Tensor4D;
      // Otherwise (other backends, or neither side a multiple of 4) a matMul: wasm's packs its B operand for
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

export const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
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

export const conv2DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
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
