// One layer of a `decompose` event in words (docs/design.md §3.3): the ranks, the policy's ranks
// before quantization, and the measured decision. Shared by the trainer's log, `bench speedup`
// and the dashboard's rank table, so they say the same thing.
import type { LayerDecomposition, MeasuredLayer } from './types';

const ms = (x: number): string => (x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** "9.30 ms → 6.10 ms (1.52×, quantize:8)" for a chosen form; "9.30 ms; decomposed 12.1 ms (0.77×)" when kept. */
export function measuredSummary(m: MeasuredLayer): string {
  const best = m.chosen ?? m.candidates.reduce((b, c, i) => (c.ms < m.candidates[b].ms ? i : b), 0);
  const c = m.candidates[best];
  if (!c) return `${ms(m.originalMs)} ms`;
  const x = (m.originalMs / c.ms).toFixed(2);
  return m.chosen !== null
    ? `${ms(m.originalMs)} → ${ms(c.ms)} ms (${x}×, ${c.label})`
    : `${ms(m.originalMs)} ms kept; decomposed ${ms(c.ms)} ms (${x}×)`;
}

/** The ranks as the table shows them: "8/8" (Tucker-2) or "r=12" (SVD split), with the policy's when quantized. */
export function ranksText(l: LayerDecomposition): string {
  const r = l.k1 !== null ? `${l.k1}/${l.k2}` : l.rank !== null ? `r=${l.rank}` : '–';
  return l.policyRanks && !l.skipped ? `${r} (policy ${l.policyRanks.join('/')})` : r;
}

/** One terminal line per layer. */
export function layerLine(l: LayerDecomposition): string {
  const timing = l.measured ? ` | measured ${measuredSummary(l.measured)} at batch ${l.measured.batch}` : '';
  if (l.skipped) return `  ${l.name}: skipped: ${l.skipped}`;
  const ranks = l.k1 !== null ? `K1=${l.k1} K2=${l.k2}` : `rank=${l.rank} (SVD split)`;
  const before = l.policyRanks ? ` (policy ${l.policyRanks.join('/')})` : '';
  return `  ${l.name}: ${ranks}${before} M=${l.compression?.toFixed(2)} E=${l.speedup?.toFixed(2)} err=${l.approximationError?.toFixed(3)}${timing}`;
}

/** A table of every layer's decision (bench speedup, `ranks`-style): ranks, original ms, decomposed ms, choice. */
export function layerDecisionTable(layers: readonly LayerDecomposition[]): string {
  const rows = [['layer', 'kernel', 'ranks', 'original ms', 'decomposed ms', 'choice']];
  for (const l of layers) {
    const m = l.measured;
    const best = m ? (m.chosen ?? m.candidates.reduce((b, c, i) => (c.ms < m.candidates[b].ms ? i : b), 0)) : -1;
    const c = m?.candidates[best];
    const choice = l.skipped
      ? l.rule === 'measured'
        ? 'kept dense'
        : 'skipped'
      : `${l.k1 !== null ? 'Tucker-2' : 'SVD split'}${c ? ` (${c.label})` : ''}`;
    rows.push([
      l.name,
      l.kernel.join('×'),
      l.skipped ? (c ? `(${c.ranks.join('/')})` : '–') : ranksText(l),
      m ? ms(m.originalMs) : '–',
      c ? ms(c.ms) : '–',
      choice,
    ]);
  }
  const widths = rows[0].map((_h, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((x, j) => x.padEnd(widths[j])).join('  ').trimEnd()).join('\n');
}
