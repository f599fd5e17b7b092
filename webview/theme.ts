// Colours from the VS Code theme (--vscode-* CSS variables), re-read when the theme changes.

export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export interface Palette {
  foreground: string;
  grid: string;
  series: string[];
  decompose: string;
  reconstruct: string;
  font: string;
}

export function palette(): Palette {
  return {
    foreground: cssVar('--vscode-descriptionForeground', cssVar('--vscode-foreground', '#888')),
    grid: cssVar('--vscode-editorWidget-border', cssVar('--vscode-panel-border', 'rgba(128,128,128,0.25)')),
    series: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-red', '#f14c4c'),
      cssVar('--vscode-charts-yellow', '#cca700'),
    ],
    decompose: cssVar('--vscode-charts-red', '#f14c4c'),
    reconstruct: cssVar('--vscode-charts-green', '#89d185'),
    font: `${cssVar('--vscode-font-size', '12px')} ${cssVar('--vscode-font-family', 'sans-serif')}`,
  };
}

/** Calls `fn` when VS Code switches the theme (it rewrites the body's class list). */
export function onThemeChange(fn: () => void): void {
  new MutationObserver(fn).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
