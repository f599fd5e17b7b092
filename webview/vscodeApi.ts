// The one handle to the host: typed postMessage and the persisted view state.
import type { WebviewToHostMessage } from '../src/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi =
  typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };

export function send(message: WebviewToHostMessage): void {
  api.postMessage(message);
}

export function getState<T>(): Partial<T> {
  const s = api.getState();
  return typeof s === 'object' && s !== null ? s : {};
}

export function setState<T>(state: T): void {
  api.setState(state);
}
