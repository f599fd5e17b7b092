// Packing of row-major operands into the kernels' interleaved panels (see gram.ts), written into
// the module's memory before each call.

/**
 * Packs rows (n of them, p used columns, padded to np rows and pp columns with zeros, every
 * padding element written) into panels of `rows` rows with the (k, k+1) pairs of the panel's rows
 * interleaved: element (i, k) at at + ((⌊i/rows⌋·pp/2 + ⌊k/2⌋)·rows + i mod rows)·2 + k mod 2.
 * packF64 (Float64Array input) and packAny (anything else) are separate, so that each one's element
 * access stays monomorphic.
 */
function packF64(
  x: Float64Array,
  off: number,
  stride: number,
  n: number,
  p: number,
  np: number,
  pp: number,
  rows: number,
  dst: Float64Array,
  at: number,
): void {
  // Full panels of 2, 3 or 4 rows: written in order (one write stream, `rows` read streams),
  // measured ~1.6× faster than row by row (strided writes); the rest as packAny.
  const full = rows >= 2 && rows <= 4 ? Math.floor(n / rows) * rows : 0;
  const pEven = p & ~1;
  const panel = pp * rows;
  for (let i0 = 0; i0 < full; i0 += rows) {
    let d = at + (i0 / rows) * panel;
    const s0 = off + i0 * stride,
      s1 = s0 + stride,
      s2 = s1 + stride,
      s3 = s2 + stride;
    let k = 0;
    if (rows === 4) {
      for (; k < pEven; k += 2, d += 8) {
        dst[d] = x[s0 + k]!;
        dst[d + 1] = x[s0 + k + 1]!;
        dst[d + 2] = x[s1 + k]!;
        dst[d + 3] = x[s1 + k + 1]!;
        dst[d + 4] = x[s2 + k]!;
        dst[d + 5] = x[s2 + k + 1]!;
        dst[d + 6] = x[s3 + k]!;
        dst[d + 7] = x[s3 + k + 1]!;
      }
    } else if (rows === 3) {
      for (; k < pEven; k += 2, d += 6) {
        dst[d] = x[s0 + k]!;
        dst[d + 1] = x[s0 + k + 1]!;
        dst[d + 2] = x[s1 + k]!;
        dst[d + 3] = x[s1 + k + 1]!;
        dst[d + 4] = x[s2 + k]!;
        dst[d + 5] = x[s2 + k + 1]!;
      }
    } else {
      for (; k < pEven; k += 2, d += 4) {
        dst[d] = x[s0 + k]!;
        dst[d + 1] = x[s0 + k + 1]!;
        dst[d + 2] = x[s1 + k]!;
        dst[d + 3] = x[s1 + k + 1]!;
      }
    }
    if (k < p) {
      for (let r = 0; r < rows; r++) {
        dst[d + 2 * r] = x[s0 + r * stride + k]!;
        dst[d + 2 * r + 1] = 0;
      }
      k += 2;
      d += 2 * rows;
    }
    dst.fill(0, d, at + (i0 / rows + 1) * panel);
  }
  if (full < np) packRows(x, off, stride, n, p, np, pp, rows, dst, at, full);
}
/** Rows from..np−1 of packF64 / packAny, one row at a time (strided writes). */
function packRows(
  x: Float64Array,
  off: number,
  stride: number,
  n: number,
  p: number,
  np: number,
  pp: number,
  rows: number,
  dst: Float64Array,
  at: number,
  from: number,
): void {
  const half = pp / 2;
  const pEven = p & ~1;
  const step2 = rows * 2;
  for (let i = from; i < np; i++) {
    let d = at + ((i / rows) | 0) * half * step2 + (i % rows) * 2;
    let k = 0;
    if (i < n) {
      const src = off + i * stride;
      for (; k < pEven; k += 2, d += step2) {
        dst[d] = x[src + k]!;
        dst[d + 1] = x[src + k + 1]!;
      }
      if (k < p) {
        dst[d] = x[src + k]!;
        dst[d + 1] = 0;
        k += 2;
        d += step2;
      }
    }
    for (; k < pp; k += 2, d += step2) {
      dst[d] = 0;
      dst[d + 1] = 0;
    }
  }
}
function packAny(
  x: ArrayLike<number>,
  off: number,
  stride: number,
  n: number,
  p: number,
  np: number,
  pp: number,
  rows: number,
  dst: Float64Array,
  at: number,
): void {
  const half = pp / 2;
  const pEven = p & ~1;
  const step2 = rows * 2;
  for (let i = 0; i < np; i++) {
    let d = at + ((i / rows) | 0) * half * step2 + (i % rows) * 2;
    let k = 0;
    if (i < n) {
      const src = off + i * stride;
      for (; k < pEven; k += 2, d += step2) {
        dst[d] = x[src + k]!;
        dst[d + 1] = x[src + k + 1]!;
      }
      if (k < p) {
        dst[d] = x[src + k]!;
        dst[d + 1] = 0;
        k += 2;
        d += step2;
      }
    }
    for (; k < pp; k += 2, d += step2) {
      dst[d] = 0;
      dst[d + 1] = 0;
    }
  }
}

/** Packs rows of x into kernel panels (see packF64). */
export function packPanels(
  x: ArrayLike<number>,
  off: number,
  stride: number,
  n: number,
  p: number,
  np: number,
  pp: number,
  rows: number,
  dst: Float64Array,
  at: number,
): void {
  if (x instanceof Float64Array) packF64(x, off, stride, n, p, np, pp, rows, dst, at);
  else packAny(x, off, stride, n, p, np, pp, rows, dst, at);
}
