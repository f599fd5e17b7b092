// Where the decomposition/reconstruction marker labels go on a chart, pure (no DOM): each label
// beside its line, inside the plot, and labels that would overlap stacked on further rows, so
// "decomposed" and "reconstructed" one epoch apart never print over each other.

export interface MarkerLabelInput {
  /** The marker line's x, in pixels. */
  x: number;
  /** The label's width in pixels. */
  width: number;
}

export interface MarkerLabelPlace {
  /** Left edge of the label. */
  left: number;
  /** 0 = top row; each further row one label height lower. */
  row: number;
}

/**
 * Places labels left to right: to the right of the line, or to its left where the right would leave
 * the plot [plotLeft, plotRight]; then on the first row where it keeps `gap` pixels from every label
 * already there. Returns one place per input, in input order.
 */
export function layoutMarkerLabels(
  labels: readonly MarkerLabelInput[],
  plotLeft: number,
  plotRight: number,
  pad = 3,
  gap = 4,
): MarkerLabelPlace[] {
  const order = labels.map((_, i) => i).sort((a, b) => labels[a].x - labels[b].x);
  const rows: { left: number; right: number }[][] = [];
  const out: MarkerLabelPlace[] = new Array<MarkerLabelPlace>(labels.length);
  for (const i of order) {
    const { x, width } = labels[i];
    let left = x + pad + width <= plotRight ? x + pad : x - pad - width;
    left = Math.max(plotLeft, Math.min(left, plotRight - width));
    const right = left + width;
    let row = rows.findIndex((r) => r.every((o) => right + gap <= o.left || left >= o.right + gap));
    if (row < 0) {
      row = rows.length;
      rows.push([]);
    }
    rows[row].push({ left, right });
    out[i] = { left, row };
  }
  return out;
}
