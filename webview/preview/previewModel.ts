// What the Preview decomposition panel shows, from the host's PreviewContentView: the title, the
// buttons, and the rank table (the columns of `tucker-train ranks`, plus totals) as text cells.
// Pure: no DOM, so it is unit-tested in Node; previewView.ts turns it into elements.
import { FromPreview, type PreviewContentView } from '../../src/protocol';
import type { LayerReport } from '../../src/model/analyze';
import { formatInt as int, ratioText } from '../../src/extension/lens/format';

export const PREVIEW_HEADERS = [
  'layer',
  'kernel',
  'Cin→Cout',
  'K1',
  'K2',
  'rank',
  'params before → after',
  'FLOPs before → after',
  'M',
  'E',
  '',
] as const;

export const PREVIEW_LEGEND =
  'M = parameter compression (eq. 10), E = speedup in multiply-accumulates (eq. 11); kernels only, biases unchanged. FLOPs count multiply-accumulates of one forward pass at batch 1.';

export interface PreviewCell {
  text: string;
  /** Right-aligned, tabular figures. */
  num?: boolean;
  /** The layer name: a link that shows the layer in the model file. */
  layer?: string;
}

export interface PreviewRow {
  layer: string;
  /** 'skipped', 'highlight'. */
  classes: string[];
  cells: PreviewCell[];
}

export interface PreviewButton {
  action: FromPreview.StartTraining | FromPreview.Refresh;
  label: string;
  secondary: boolean;
}

/** A run of text, bold or not (the line that says where the ranks come from). */
export interface TextRun {
  text: string;
  bold?: boolean;
}

export type PreviewBody =
  | { kind: 'busy'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'table'; source: TextRun[]; rows: PreviewRow[]; total: PreviewCell[]; legend: string };

export interface PreviewModel {
  title: string;
  file: string;
  buttons: PreviewButton[];
  note: string | null;
  body: PreviewBody;
}

const DASH = '–';

export function layerRow(l: LayerReport, highlight?: string): PreviewRow {
  const kernel = l.type === 'Dense' ? 'dense' : `${l.kernel[0]}×${l.kernel[1]}${l.type === 'Conv2D' ? '' : ` ${l.type}`}`;
  const cells: PreviewCell[] = [
    { text: l.name, layer: l.name },
    { text: kernel },
    { text: `${l.cin}→${l.cout}` },
    { text: l.k1 === null ? DASH : String(l.k1), num: true },
    { text: l.k2 === null ? DASH : String(l.k2), num: true },
    { text: l.rank === null ? DASH : String(l.rank), num: true },
    { text: `${int(l.params.before)} → ${int(l.params.after)}`, num: true },
    { text: `${int(l.flops.before)} → ${int(l.flops.after)}`, num: true },
    { text: l.skipped ? DASH : `${ratioText(l.compression)}×`, num: true },
    { text: l.skipped ? DASH : `${ratioText(l.speedup)}×`, num: true },
    { text: l.skipped ? `skipped: ${l.skipped}` : l.estimate ? 'estimate' : '' },
  ];
  const classes = [l.skipped ? 'skipped' : '', highlight === l.name ? 'highlight' : ''].filter(Boolean);
  return { layer: l.name, classes, cells };
}

export function previewModel(c: PreviewContentView): PreviewModel {
  const buttons: PreviewButton[] = [];
  if (c.canTrain) buttons.push({ action: FromPreview.StartTraining, label: 'Start decomposed training from this model', secondary: false });
  buttons.push({ action: FromPreview.Refresh, label: 'Refresh', secondary: true });
  let body: PreviewBody;
  if (c.state.kind === 'computing') body = { kind: 'busy', text: 'Computing ranks from the weights…' };
  else if (c.state.kind === 'error') body = { kind: 'error', text: c.state.message };
  else {
    const r = c.state.report;
    const t = r.totals;
    const source: TextRun[] = r.weightsRead
      ? [{ text: 'ranks from the weights, policy ' }, { text: r.policy, bold: true }]
      : [{ text: 'estimates', bold: true }, { text: ' from the shapes only (no weights read), policy ' }, { text: r.policy, bold: true }];
    const total: PreviewCell[] = [
      { text: 'total' },
      { text: '' },
      { text: '' },
      { text: '' },
      { text: '' },
      { text: '' },
      { text: `${int(t.params.before)} → ${int(t.params.after)}`, num: true },
      { text: `${int(t.flops.before)} → ${int(t.flops.after)}`, num: true },
      { text: `${ratioText(t.compression)}×`, num: true },
      { text: `${ratioText(t.speedup)}×`, num: true },
      { text: `${t.decomposed} decomposed, ${t.skipped} skipped` },
    ];
    body = { kind: 'table', source, rows: r.layers.map((l) => layerRow(l, c.highlight)), total, legend: PREVIEW_LEGEND };
  }
  return { title: c.title, file: c.file, buttons, note: c.note ?? null, body };
}
