// What the rank hints say and where they go: lens titles, hover text, for a model.json (from an
// analysis state) and for tf.sequential models in TS/JS source (shape-only estimates).
// Pure: no vscode (offsets, not positions), so it is unit-tested on the fixtures.
import type { RankPolicy } from '../../core/rankPolicy';
import { analyzeParsedModel, type LayerReport, type RanksReport } from '../../model/analyze';
import { JsonScanError, jsonLayerPositions, looksLikeModelJson } from '../../model/source/jsonPositions';
import { lineColumn } from '../../model/source/lines';
import { sequentialModels, sourceModelToModelFile, type SourceModel } from '../../model/source/sequentialParser';
import { formatInt as int, ratioText } from './format';
import { codeSpan, escapeMarkdown } from '../../runs/markdown';

export { ratioText };

/** The state of one model file's analysis (computed off the main thread, see analyzer.ts). */
export type AnalysisState = { kind: 'computing' } | { kind: 'ready'; report: RanksReport; ms: number } | { kind: 'error'; message: string };

export type LensAction = { kind: 'preview'; layer?: string; model?: number } | { kind: 'none' };

export interface LensSpec {
  offset: number;
  title: string;
  tooltip?: string;
  action: LensAction;
}

export interface HoverSpec {
  start: number;
  end: number;
  /** Markdown. */
  markdown: string;
}

export interface LensView {
  lenses: LensSpec[];
  hovers: HoverSpec[];
}

/** The first clause of a skip reason, for a lens (the hover has the whole sentence). */
export function shortReason(reason: string, max = 80): string {
  const cut = [reason.indexOf(': '), reason.indexOf(' ('), reason.indexOf('; ')].filter((i) => i > 0);
  let s = cut.length ? reason.slice(0, Math.min(...cut)) : reason;
  if (s.length > max) s = s.slice(0, max - 1) + '…';
  return s;
}

/** The lens above one layer: `Tucker K1=10 K2=12 · params ÷8.5 · FLOPs ÷5.9`, or why it is skipped. */
export function layerLensTitle(l: LayerReport): string {
  const est = l.estimate ? 'estimate · ' : '';
  if (l.skipped) {
    const ranks = l.k1 !== null && l.k2 !== null ? ` (K1=${l.k1} K2=${l.k2})` : l.rank !== null ? ` (rank ${l.rank})` : '';
    return `${est}skipped${ranks}: ${shortReason(l.skipped)}`;
  }
  const what = l.type === 'Dense' ? `SVD rank ${l.rank}` : `Tucker K1=${l.k1} K2=${l.k2}`;
  return `${est}${what} · params ÷${ratioText(l.compression)} · FLOPs ÷${ratioText(l.speedup)}`;
}

/** The file-level lens: totals of the whole model. */
export function totalsLensTitle(r: RanksReport): string {
  const t = r.totals;
  const src = r.weightsRead ? `EVBMF on the weights` : `estimate from shapes`;
  const how = r.weightsRead ? (r.policy === 'vbmf' ? src : `${r.policy} on the weights`) : `${src} (${r.policy}, no weights)`;
  return `Tucker-2: ${t.decomposed} of ${r.layers.length} layers decomposed · params ${int(t.params.before)} → ${int(t.params.after)} (÷${ratioText(t.compression)}) · FLOPs ÷${ratioText(t.speedup)} · ${how}`;
}

const fmtSize = (s: [number, number] | null): string => (s ? `${s[0]}×${s[1]}` : '–');
const fmtSigma = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toExponential(3));

/** The hover over one layer: the whole breakdown. */
export function layerHoverMarkdown(l: LayerReport, r: RanksReport): string {
  const rows: [string, string][] = [];
  const kernel = l.type === 'Dense' ? `${l.kernel[0]} × ${l.kernel[1]}` : `${l.kernel[0]}×${l.kernel[1]}, ${l.kernel[2]} → ${l.kernel[3]}`;
  rows.push(['Layer', `${codeSpan(l.name)} (${l.type})`]);
  rows.push(['Cin → Cout', `${l.cin} → ${l.cout}`]);
  rows.push(['Kernel', kernel]);
  rows.push(['Input / output size', `${fmtSize(l.inputSize)} / ${fmtSize(l.outputSize)}`]);
  if (l.type === 'Dense') rows.push(['SVD rank', l.rank === null ? '–' : String(l.rank)]);
  else rows.push(['Tucker ranks K1, K2', l.k1 === null ? '–' : `${l.k1}, ${l.k2}`]);
  rows.push(['Params before → after', `${int(l.params.before)} → ${int(l.params.after)}`]);
  rows.push(['FLOPs (MACs) before → after', `${int(l.flops.before)} → ${int(l.flops.after)}`]);
  rows.push(['Compression M (eq. 10)', l.skipped ? '1 (unchanged)' : `${ratioText(l.compression)}×`]);
  rows.push(['Speedup E (eq. 11)', l.skipped ? '1 (unchanged)' : `${ratioText(l.speedup)}×`]);
  if (l.sigma2 !== null && typeof l.sigma2 === 'object')
    rows.push(['EVBMF σ² (input, output mode)', `${fmtSigma(l.sigma2.in)}, ${fmtSigma(l.sigma2.out)}`]);
  else if (typeof l.sigma2 === 'number') rows.push(['EVBMF σ²', fmtSigma(l.sigma2)]);
  else rows.push(['EVBMF σ²', '–']);
  rows.push(['Rank policy', escapeMarkdown(r.policy)]);
  rows.push(['Source', l.estimate ? '**estimate** from the shapes only (no weights read)' : "the layer's weights"]);
  const lines = [
    `**Tucker Train** · ${l.skipped ? 'skipped' : l.type === 'Dense' ? 'SVD split' : 'Tucker-2 decomposition'}`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/(?<!\\)\|/g, '\\|')} |`), // pipes not escaped yet
  ];
  if (l.skipped) lines.push('', `Skipped: ${escapeMarkdown(l.skipped)}`);
  return lines.join('\n');
}

/** Lens text for a failed analysis: the message without the file's own path. */
export function errorText(message: string, path: string): string {
  const dir = path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  let m = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
  if (dir) m = m.split(dir).join('');
  return m;
}

const COMPUTING = '$(sync~spin) Tucker: computing ranks from the weights…';
const COMPUTING_SHAPES = '$(sync~spin) Tucker: estimating ranks from the shapes (untrusted workspace: weights not read)…';

/**
 * The lenses and hovers of a model.json text. `state` is the analysis of the file (from the
 * worker). Malformed JSON gives one lens saying where; text that is not a Layers model, none.
 */
/**
 * A model.json above the size limit (setting tuckerTrain.lens.maxModelSizeMB): one lens saying so
 * and where to get the ranks instead; nothing of the file is parsed.
 */
export function tooLargeView(bytes: number, limitBytes: number): LensView | null {
  if (bytes <= limitBytes) return null;
  const mb = bytes / (1024 * 1024);
  return {
    lenses: [
      {
        offset: 0,
        title: `$(info) Tucker: model too large for hints (${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB); run \`tucker-train ranks\``,
        tooltip: `Rank hints are computed for model.json files up to ${(limitBytes / (1024 * 1024)).toFixed(1)} MB (setting tuckerTrain.lens.maxModelSizeMB). In a terminal: tucker-train ranks <model.json>`,
        action: { kind: 'none' },
      },
    ],
    hovers: [],
  };
}

export interface JsonViewOptions {
  /** An untrusted workspace: the report is from shapes only and says why. */
  untrusted?: boolean;
}

export function jsonModelView(text: string, path: string, state: AnalysisState, opts: JsonViewOptions = {}): LensView {
  if (!looksLikeModelJson(text)) return { lenses: [], hovers: [] };
  let positions;
  try {
    positions = jsonLayerPositions(text);
  } catch (e) {
    if (!(e instanceof JsonScanError)) throw e;
    const at = lineColumn(text, e.offset);
    return {
      lenses: [
        {
          offset: 0,
          title: `$(warning) Tucker: not valid JSON at line ${at.line + 1}, column ${at.column + 1}: ${e.message}`,
          action: { kind: 'none' },
        },
      ],
      hovers: [],
    };
  }
  const top = positions.topologyOffset;
  if (state.kind === 'computing')
    return { lenses: [{ offset: top, title: opts.untrusted ? COMPUTING_SHAPES : COMPUTING, action: { kind: 'none' } }], hovers: [] };
  if (state.kind === 'error') {
    const msg = errorText(state.message, path);
    const short = msg.length > 160 ? msg.slice(0, 159) + '…' : msg;
    return { lenses: [{ offset: top, title: `$(warning) Tucker: ${short}`, tooltip: msg, action: { kind: 'none' } }], hovers: [] };
  }
  const r = state.report;
  const lenses: LensSpec[] = [
    {
      offset: top,
      title: `${totalsLensTitle(r)}${opts.untrusted ? ' · untrusted workspace: weights not read' : ''}`,
      tooltip: `Eq. 10 (parameters) and eq. 11 (multiply-accumulates) over all ${r.layers.length} Conv2D/Dense layers; computed in ${Math.round(state.ms)} ms${opts.untrusted ? '. In an untrusted workspace the weight files are not read: the ranks are shape-only estimates. Trust the workspace for ranks from the weights.' : ''}`,
      action: { kind: 'none' },
    },
    { offset: top, title: 'Preview decomposition', action: { kind: 'preview' } },
  ];
  const hovers: HoverSpec[] = [];
  const byName = new Map(r.layers.map((l) => [l.name, l]));
  const placed = positions.layers.filter((p) => byName.has(p.name));
  // Layers sharing a line (a one-line model.json) get their name in the lens title.
  const lineOf = new Map(placed.map((p) => [p.name, p.line]));
  const perLine = new Map<number, number>();
  for (const n of lineOf.values()) perLine.set(n, (perLine.get(n) ?? 0) + 1);
  for (const p of placed) {
    const l = byName.get(p.name)!;
    const shared = (perLine.get(lineOf.get(p.name)!) ?? 0) > 1;
    lenses.push({
      offset: p.start,
      title: `${shared ? `${l.name}: ` : ''}${layerLensTitle(l)}`,
      tooltip: l.skipped ?? undefined,
      action: { kind: 'preview', layer: l.name },
    });
    hovers.push({ start: p.start, end: p.end, markdown: layerHoverMarkdown(l, r) });
  }
  return { lenses, hovers };
}

/** One tf.sequential model of a source file with its shape-only analysis. */
export interface SourceAnalysis {
  model: SourceModel;
  /** Report over the layers that could be followed (null when the analysis failed). */
  report: RanksReport | null;
  /** Layer name in the report for each followed layer, by index into model.layers. */
  names: string[];
  cutAt: number | null;
  cutReason: string | null;
  error: string | null;
}

export interface SourceOptions {
  policy: RankPolicy;
  quantize?: number;
  inputSize?: [number, number];
}

/** Finds and analyses (shapes only: ratio policy) every tf.sequential model of a TS/JS text. */
export async function analyzeSourceModels(text: string, path: string, opts: SourceOptions): Promise<SourceAnalysis[]> {
  const out: SourceAnalysis[] = [];
  for (const model of sequentialModels(text)) {
    const f = sourceModelToModelFile(model, path);
    let report: RanksReport | null = null;
    let error: string | null = null;
    if (f.model.layers.length === 0) error = f.cutReason ?? 'no tf.layers calls found for this model';
    else {
      try {
        report = await analyzeParsedModel(f.model, {
          policy: opts.policy,
          quantize: opts.quantize,
          inputSize: opts.inputSize,
          weights: false,
        });
      } catch (e) {
        error = errorText(e instanceof Error ? e.message : String(e), path);
      }
    }
    out.push({ model, report, names: f.names, cutAt: f.cutAt, cutReason: f.cutReason, error });
  }
  return out;
}

/** The lenses and hovers of the tf.sequential models of a source file. */
export function sourceModelView(analyses: SourceAnalysis[]): LensView {
  const lenses: LensSpec[] = [];
  const hovers: HoverSpec[] = [];
  analyses.forEach((a, index) => {
    const convs = a.model.layers.filter((l) => l.className === 'Conv2D' || l.className === 'Dense');
    if (convs.length === 0 && a.model.layers.every((l) => l.className !== null)) return; // nothing to hint
    if (!a.report) {
      lenses.push({
        offset: a.model.start,
        title: `$(warning) Tucker: ${a.error ?? 'cannot follow this model'}`,
        action: { kind: 'none' },
      });
      return;
    }
    const r = a.report;
    const cut = a.cutAt !== null ? ` · first ${a.cutAt} of ${a.model.layers.length} layers` : '';
    lenses.push({
      offset: a.model.start,
      title: `${totalsLensTitle(r)}${cut}`,
      tooltip: 'Estimates from the shapes in this source (literal options only); open the saved model.json for ranks from trained weights.',
      action: { kind: 'none' },
    });
    lenses.push({ offset: a.model.start, title: 'Preview decomposition', action: { kind: 'preview', model: index } });
    const byName = new Map(r.layers.map((l) => [l.name, l]));
    a.model.layers.forEach((sl, i) => {
      if (a.cutAt !== null && i === a.cutAt) {
        lenses.push({ offset: sl.start, title: `$(info) Tucker: ${a.cutReason}`, action: { kind: 'none' } });
        return;
      }
      const name = a.names[i];
      const l = name === undefined ? undefined : byName.get(name);
      if (!l) return;
      lenses.push({
        offset: sl.start,
        title: layerLensTitle(l),
        tooltip: l.skipped ?? undefined,
        action: { kind: 'preview', model: index, layer: l.name },
      });
      hovers.push({ start: sl.start, end: sl.end, markdown: layerHoverMarkdown(l, r) });
    });
  });
  return { lenses, hovers };
}

/** The innermost hover range containing an offset. */
export function hoverAt(view: LensView, offset: number): HoverSpec | undefined {
  let best: HoverSpec | undefined;
  for (const h of view.hovers) {
    if (offset >= h.start && offset < h.end && (!best || h.end - h.start < best.end - best.start)) best = h;
  }
  return best;
}
