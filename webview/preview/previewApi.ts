// The preview panel's one handle to the host: typed postMessage (see src/protocol.ts).
import type { PreviewToHostMessage } from '../../src/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: () => undefined };

export function send(message: PreviewToHostMessage): void {
  api.postMessage(message);
}
