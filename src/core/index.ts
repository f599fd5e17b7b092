// The pure numeric core (no vscode, no tfjs, no Node APIs): one import for the production API.
// Benchmark code lives in src/bench/core; syntheticKernel.ts (bench and test input) is imported
// by path.
export * from './types';
export * from './userError';
export * from './random';
export * from './tensor';
export * from './linalg';
export * from './evbmf';
export * from './modeGrams';
export * from './tucker2';
export * from './svdSplit';
export * from './rankPolicy';
export * from './estimates';
export * from './analyzeConv';
