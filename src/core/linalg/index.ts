// Dense float64 linear algebra for the numeric core: products and Grams (products.ts), symmetric
// eigendecomposition (eigen*.ts), SVD pieces built on it (svd.ts), and the WebAssembly-or-JS
// kernel choice (dispatch.ts).
export { matmul, transpose, abtInto, abtJs, gram } from './products';
export { symmetricEigen, symmetricEigenLazy, type SymmetricEigenResult, type LazySymmetricEigen } from './eigen';
export { singularValues, leftSingularVectors } from './svd';
export { configureKernels, setUseWasm, kernelOptionsFromEnv, gramBackend, abtBackend, eigenBackend, type KernelOptions } from './dispatch';
