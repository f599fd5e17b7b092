// The pure numeric core (no vscode, no tfjs): one import for everything.
export * from './types';
export * from './random';
export * from './tensor';
export * from './linalg';
export * from './evbmf';
export * from './tucker2';
export * from './svdSplit';
export * from './rankPolicy';
export * from './estimates';
export * from './bench';
