// Offsets to lines and columns. Lines end at '\n' (a '\r' before it stays in the line, as in the
// old scanners). Offsets are UTF-16 indices into the text (what vscode's positionAt takes).

/** Line (0-based) and column (0-based) of one offset: a single pass up to it. For many offsets, use LineIndex. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart };
}

/** The line starts of a text, found once; each lookup is a binary search (for thousands of offsets in a large file). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) this.starts.push(k + 1);
  }

  /** 0-based line of an offset (offsets past the end count as on the last line). */
  lineOf(offset: number): number {
    const at = Math.min(offset, this.text.length);
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Line and column (both 0-based), as lineColumn gives them. */
  position(offset: number): { line: number; column: number } {
    const line = this.lineOf(offset);
    return { line, column: offset - this.starts[line] };
  }
}
