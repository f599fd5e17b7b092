// The "Preview decomposition" panel's HTML: the whole-model table (the columns of
// `tucker-train ranks`, plus totals), rendered by the host under a strict CSP (nonce'd inline
// style and script only). Pure: no vscode.
import { FromPreview, ToPreview } from '../../protocol';
import type { LayerReport, RanksReport } from '../../model/analyze';
import { ratioText } from './lensText';

export interface PreviewContent {
  title: string;
  /** The model file (shown, and named in messages). */
  file: string;
  state: { kind: 'computing' } | { kind: 'error'; message: string } | { kind: 'ready'; report: RanksReport };
  /** Whether "Start decomposed training from this model" is offered (model.json files only). */
  canTrain: boolean;
  highlight?: string;
  note?: string;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

function row(l: LayerReport, highlight?: string): string {
  const dash = '–';
  const kernel = l.type === 'Dense' ? 'dense' : `${l.kernel[0]}×${l.kernel[1]}${l.type === 'Conv2D' ? '' : ` ${l.type}`}`;
  const cells = [
    `<td><a href="#" class="layer" data-layer="${esc(l.name)}">${esc(l.name)}</a></td>`,
    `<td>${esc(kernel)}</td>`,
    `<td>${l.cin}→${l.cout}</td>`,
    `<td class="num">${l.k1 ?? dash}</td>`,
    `<td class="num">${l.k2 ?? dash}</td>`,
    `<td class="num">${l.rank ?? dash}</td>`,
    `<td class="num">${int(l.params.before)} → ${int(l.params.after)}</td>`,
    `<td class="num">${int(l.flops.before)} → ${int(l.flops.after)}</td>`,
    `<td class="num">${l.skipped ? dash : `${ratioText(l.compression)}×`}</td>`,
    `<td class="num">${l.skipped ? dash : `${ratioText(l.speedup)}×`}</td>`,
    `<td>${l.skipped ? `skipped: ${esc(l.skipped)}` : l.estimate ? 'estimate' : ''}</td>`,
  ];
  const cls = [l.skipped ? 'skipped' : '', highlight === l.name ? 'highlight' : ''].filter(Boolean).join(' ');
  return `<tr data-layer="${esc(l.name)}"${cls ? ` class="${cls}"` : ''}>${cells.join('')}</tr>`;
}

export function renderPreviewHtml(c: PreviewContent, nonce: string, cspSource: string): string {
  const csp = ["default-src 'none'", `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`, `font-src ${cspSource}`].join('; ');
  let body: string;
  if (c.state.kind === 'computing') body = '<p class="busy">Computing ranks from the weights…</p>';
  else if (c.state.kind === 'error') body = `<p class="error">${esc(c.state.message)}</p>`;
  else {
    const r = c.state.report;
    const t = r.totals;
    const source = r.weightsRead ? `ranks from the weights, policy <b>${esc(r.policy)}</b>` : `<b>estimates</b> from the shapes only (no weights read), policy <b>${esc(r.policy)}</b>`;
    body = `<p class="source">${source}</p>
<div class="scroll"><table id="ranks">
<thead><tr><th>layer</th><th>kernel</th><th>Cin→Cout</th><th>K1</th><th>K2</th><th>rank</th><th>params before → after</th><th>FLOPs before → after</th><th>M</th><th>E</th><th></th></tr></thead>
<tbody>
${r.layers.map((l) => row(l, c.highlight)).join('\n')}
</tbody>
<tfoot><tr class="total"><td>total</td><td></td><td></td><td></td><td></td><td></td><td class="num">${int(t.params.before)} → ${int(t.params.after)}</td><td class="num">${int(t.flops.before)} → ${int(t.flops.after)}</td><td class="num">${ratioText(t.compression)}×</td><td class="num">${ratioText(t.speedup)}×</td><td>${t.decomposed} decomposed, ${t.skipped} skipped</td></tr></tfoot>
</table></div>
<p class="legend">M = parameter compression (eq. 10), E = speedup in multiply-accumulates (eq. 11); kernels only, biases unchanged. FLOPs count multiply-accumulates of one forward pass at batch 1.</p>`;
  }
  const buttons = [
    c.canTrain ? `<button data-action="${FromPreview.StartTraining}">Start decomposed training from this model</button>` : '',
    `<button data-action="${FromPreview.Refresh}" class="secondary">Refresh</button>`,
  ].join('');
  const script = `
const vscode = acquireVsCodeApi();
document.addEventListener('click', (e) => {
  const t = e.target instanceof Element ? e.target : null;
  const b = t && t.closest('button[data-action]');
  if (b) { vscode.postMessage({ type: b.getAttribute('data-action') }); return; }
  const a = t && t.closest('a.layer');
  if (a) { e.preventDefault(); vscode.postMessage({ type: ${JSON.stringify(FromPreview.RevealLayer)}, layer: a.getAttribute('data-layer') }); }
});
window.addEventListener('message', (e) => {
  const m = e.data;
  if (!m || m.type !== ${JSON.stringify(ToPreview.Highlight)} || typeof m.layer !== 'string') return;
  for (const r of document.querySelectorAll('tr.highlight')) r.classList.remove('highlight');
  const row = [...document.querySelectorAll('tr[data-layer]')].find((r) => r.getAttribute('data-layer') === m.layer);
  if (row) { row.classList.add('highlight'); row.scrollIntoView({ block: 'center' }); }
});
const h = document.querySelector('tr.highlight');
if (h) h.scrollIntoView({ block: 'center' });
`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${esc(c.title)}</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px 16px; }
h1 { font-size: 1.2em; font-weight: 600; margin: 14px 0 2px; }
.file { color: var(--vscode-descriptionForeground); margin: 0 0 8px; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--vscode-editorWidget-border, rgba(128,128,128,.35)); vertical-align: top; }
.scroll { overflow-x: auto; }
td:last-child { min-width: 22em; }
th { white-space: nowrap; font-weight: 600; color: var(--vscode-descriptionForeground); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.skipped td { color: var(--vscode-descriptionForeground); }
tr.highlight td { background: var(--vscode-editor-selectionBackground); }
tr.total td { font-weight: 600; border-top: 2px solid var(--vscode-editorWidget-border, rgba(128,128,128,.6)); }
a.layer { color: var(--vscode-textLink-foreground); text-decoration: none; }
.error { color: var(--vscode-errorForeground); white-space: pre-wrap; }
.legend, .note { color: var(--vscode-descriptionForeground); }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 5px 12px; margin: 4px 8px 4px 0; cursor: pointer; font: inherit; }
button.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
</style>
</head>
<body>
<h1>${esc(c.title)}</h1>
<p class="file">${esc(c.file)}</p>
<div class="actions">${buttons}</div>
${c.note ? `<p class="note">${esc(c.note)}</p>` : ''}
${body}
<script nonce="${nonce}">${script}</script>
</body>
</html>`;
}
