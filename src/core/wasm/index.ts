// WebAssembly SIMD kernels for linalg, assembled from bytes at run time (assembler.ts): the Gram
// X·Xᵀ (gram.ts), a general A·Bᵀ on the same block kernel (abt.ts), and the tridiagonalisation's
// fused row update (tridiag.ts). Each create* returns null where the host lacks SIMD (support.ts).
// The modules are a few hundred bytes, so synchronous compilation is allowed on any thread.
export { defaultGramOptions, gramModuleBytes, type GramKernelOptions } from './gramKernel';
export { wasmSimdSupport } from './support';
export { packPanels } from './packing';
export { createWasmGram, type WasmGram } from './gram';
export { createWasmAbt, type WasmAbt } from './abt';
export { createWasmTridiag, tridiagModuleBytes, type TridiagWorkspace, type WasmTridiag } from './tridiag';
