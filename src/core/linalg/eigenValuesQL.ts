// Eigenvalues of a symmetric tridiagonal matrix by the implicit QL method (values only).

/** float64 machine epsilon. */
const EPS = 2.220446049250313e-16;

function pythag(x: number, y: number): number {
  const r = Math.sqrt(x * x + y * y);
  if (r === Infinity || (r === 0 && (x !== 0 || y !== 0)) || (r < 1e-150 && r !== 0)) return Math.hypot(x, y);
  return r;
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix (d diagonal, e[i] = T[i][i−1]) by implicit QL;
 * d is overwritten by the (unsorted) eigenvalues, e is destroyed.
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= EPS * dd) break;
      }
      if (m !== l) {
        if (iter++ === 100) throw new Error(`symmetricEigen: QL iteration did not converge (eigenvalue ${l} of ${n})`);
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = pythag(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        let underflow = false;
        for (i = m - 1; i >= l; i--) {
          const f = s * e[i];
          const b = c * e[i];
          r = pythag(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1] -= p;
            e[m] = 0;
            underflow = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (underflow) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
}
