// Shared shapes of the numeric core. Pure data: no vscode, no tfjs.

/** Row-major dense matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** Row-major (C-order) dense tensor of any order. */
export interface Tensor {
  shape: number[];
  data: Float64Array;
}

/**
 * A Conv2D kernel in TensorFlow.js layout [kh, kw, Cin, Cout] (PyTorch's is (Cout, Cin, kh, kw)).
 * Float32Array is accepted on input so weights read from disk need no copy.
 */
export interface ConvKernel {
  shape: [number, number, number, number];
  data: Float64Array | Float32Array;
}
