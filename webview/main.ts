// Dashboard webview entry. Runs in the webview: no Node APIs, talks to the host only through the
// typed messages of src/protocol.ts. Messages that are not one of those are dropped.
import './nonce';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { FromWebview, ToWebview, type HostToWebviewMessage } from '../src/protocol';
import { CompareView } from './compare';
import { Dashboard } from './dashboard';
import { RunView } from './runView/runView';
import { send } from './vscodeApi';

const KNOWN = new Set<string>([
  ToWebview.Run,
  ToWebview.Metrics,
  ToWebview.Events,
  ToWebview.State,
  ToWebview.Progress,
  ToWebview.Comparison,
  ToWebview.Steps,
  ToWebview.Saved,
]);

function isHostMessage(m: unknown): m is HostToWebviewMessage {
  return typeof m === 'object' && m !== null && KNOWN.has((m as { type?: unknown }).type as string);
}

const app = document.getElementById('app')!;
const mode = document.body.dataset.mode;
const view = mode === 'compare' ? new CompareView(app) : mode === 'run' ? new RunView(app) : new Dashboard(app);
(window as unknown as { tuckerDashboard?: unknown }).tuckerDashboard = view;

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (isHostMessage(e.data)) view.handle(e.data);
});
send({ type: FromWebview.Ready });
