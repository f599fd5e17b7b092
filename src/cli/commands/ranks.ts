// `tucker-train ranks <model.json>`: per-layer Tucker-2 / SVD ranks and eq. 10/11 estimates.
// A thin front over analyzeModel(); loads no tfjs.
import { parseCommandArgs } from '../args';
import { UserError } from '../../core/userError';
import { parseDenseFallback, parseRankPolicy } from '../../core/rankPolicy';
import { analyzeModel, type LayerReport, type RanksReport } from '../../model/analyze';

export const RANKS_USAGE = `Usage: tucker-train ranks <model.json> [options]

Per-layer Tucker-2 ranks (K1, K2) of each Conv2D, SVD rank of each Dense layer, and the
compression (eq. 10, M) and speedup (eq. 11, E) estimates of a TensorFlow.js Layers model.
Without weight files next to model.json the ranks are estimates from the shapes (ratio policy).

Options:
  --rank-policy P   vbmf (default), ratio:F or energy:F with F in (0, 1], stable:F (⌈F × stable rank⌉)
  --dense-fallback energy:F
                    Dense layers under vbmf: where EVBMF's rank is < 2, keep the energy share F
                    instead (the reference code's rule; off unless given); the table says so
  --quantize N      round ranks up to a multiple of N (e.g. 8 or 16)
  --decompose-pointwise
                    split 1×1 convolutions by SVD as training would with this flag (without it
                    their split rank is shown as a hint beside the reason they are left)
  --input-size HxW  input height and width (overrides the model's; needed when it has none)
  --no-weights      ignore weight files: estimate ranks from the shapes
  --json            print one JSON object (the report) and nothing else
  -h, --help        this help`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('ranks', argv, {
    'rank-policy': { type: 'string' },
    'dense-fallback': { type: 'string' },
    quantize: { type: 'string' },
    'decompose-pointwise': { type: 'boolean' },
    'input-size': { type: 'string' },
    'no-weights': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(RANKS_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UserError(
      positionals.length === 0
        ? `ranks: give the path to a model.json, e.g. 'tucker-train ranks fixtures/models/small-cnn/model.json'.`
        : `ranks: expected one model.json, got ${positionals.length} (${positionals.join(' ')}); see 'tucker-train ranks --help'.`,
    );
  }
  const policy = parseRankPolicy(values['rank-policy'] ?? 'vbmf');
  const denseFallback = values['dense-fallback'] === undefined ? null : parseDenseFallback(values['dense-fallback']);
  let quantize: number | undefined;
  if (values.quantize !== undefined) {
    const q = values.quantize.trim();
    if (!/^\d+$/.test(q) || Number(q) < 1)
      throw new UserError(`ranks: --quantize '${values.quantize}' must be a positive integer (e.g. 8 or 16).`);
    quantize = Number(q);
  }
  let inputSize: [number, number] | undefined;
  if (values['input-size'] !== undefined) {
    const m = /^\s*(\d+)\s*[x×X,]\s*(\d+)\s*$/.exec(values['input-size']);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1)
      throw new UserError(`ranks: --input-size '${values['input-size']}' must be HxW with positive integers (e.g. 32x32).`);
    inputSize = [Number(m[1]), Number(m[2])];
  }
  const report = await analyzeModel(positionals[0], {
    policy,
    quantize,
    inputSize,
    weights: !values['no-weights'],
    denseFallback,
    pointwise: values['decompose-pointwise'] === true,
  });
  if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
  else process.stdout.write(formatReport(report, values['rank-policy'] ?? 'vbmf') + '\n');
  return 0;
}

const int = (n: number): string => n.toLocaleString('en-US');
const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '∞');

/** The human-readable table of a report. */
export function formatReport(r: RanksReport, requestedPolicy = r.policy): string {
  const lines: string[] = [];
  const source = r.weightsRead
    ? `ranks from the weights, policy ${r.policy}`
    : `ESTIMATES from shapes only (no weights read), policy ${r.policy}` +
      (requestedPolicy !== r.policy && !requestedPolicy.startsWith('ratio') ? ` (${requestedPolicy} needs weights)` : '');
  lines.push(`${r.model}: ${source}`);
  lines.push('');
  const head = ['layer', 'kernel', 'Cin→Cout', 'K1', 'K2', 'rank', 'params before → after', 'M', 'E', ''];
  const rows: string[][] = r.layers.map((l) => layerCells(l));
  const t = r.totals;
  rows.push([
    'total',
    '',
    '',
    '',
    '',
    '',
    `${int(t.params.before)} → ${int(t.params.after)}`,
    ratio(t.compression),
    ratio(t.speedup),
    `${t.decomposed} decomposed, ${t.skipped} skipped`,
  ]);
  const all = [head, ...rows];
  const right = new Set([3, 4, 5, 7, 8]);
  const widths = head.map((_, c) => Math.max(...all.map((row) => [...row[c]].length)));
  const fmt = (row: string[]): string =>
    row
      .map((cell, c) => {
        if (c === row.length - 1) return cell;
        const pad = ' '.repeat(widths[c] - [...cell].length);
        return right.has(c) ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  lines.push(fmt(head));
  lines.push(
    widths
      .map((w, c) => (c === widths.length - 1 ? '' : '─'.repeat(w)))
      .join('  ')
      .trimEnd(),
  );
  rows.forEach((row, i) => {
    if (i === rows.length - 1)
      lines.push(
        widths
          .map((w, c) => (c === widths.length - 1 ? '' : '─'.repeat(w)))
          .join('  ')
          .trimEnd(),
      );
    lines.push(fmt(row));
  });
  lines.push('');
  lines.push(`M = parameter compression (eq. 10), E = speedup in multiply-accumulates (eq. 11); kernels only, biases unchanged.`);
  return lines.join('\n');
}

function layerCells(l: LayerReport): string[] {
  const dash = '–';
  const kernel = l.type === 'Dense' ? 'dense' : `${l.kernel[0]}×${l.kernel[1]}${l.type === 'Conv2D' ? '' : ` ${l.type}`}`;
  const base = [l.name, kernel, `${l.cin}→${l.cout}`];
  const ranks = [l.k1 === null ? dash : String(l.k1), l.k2 === null ? dash : String(l.k2), l.rank === null ? dash : String(l.rank)];
  if (l.skipped) {
    return [...base, ...ranks, `${int(l.params.before)} (unchanged)`, dash, dash, `skipped: ${l.skipped}`];
  }
  return [
    ...base,
    ...ranks,
    `${int(l.params.before)} → ${int(l.params.after)}`,
    ratio(l.compression),
    ratio(l.speedup),
    l.rule ? `rank by ${l.rule}` : '',
  ];
}
