// Number formats shared by the lens texts (host) and the Preview decomposition table (webview).
// No imports: the webview bundle takes this file as it is.

/** 23048 -> "23,048". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** "8.5", "12", "∞"; one decimal under 100. */
export function ratioText(x: number): string {
  if (!Number.isFinite(x)) return '∞';
  return x >= 100 ? String(Math.round(x)) : x.toFixed(1);
}
