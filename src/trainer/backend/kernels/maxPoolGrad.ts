// MaxPoolGrad as direct typed-array loops (wasm's and cpu's own kernels are slow).
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { withArrays, type Pad } from './common';
import { maxPoolGrad2x2Wasm } from './maxPoolGrad2x2Wasm';

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
export const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
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
  const heap = simple2x2 ? maxPoolGrad2x2Wasm(dy, input, N, H, W, C, OH, OW) : null;
  if (heap) return heap;
  return withArrays(backend, input.shape, [dy, input], (dx, [g, x]) =>
    simple2x2 ? maxPoolGrad2x2(dx, g, x, N, H, W, C, OH, OW) : maxPoolGradLoop(dx, g, x, N, H, W, C, OH, OW, sh, sw, fh, fw, top, left),
  );
};
