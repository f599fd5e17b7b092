// Looks at the experiments table without VS Code: the runs of a folder (argument) compared in the
// real bundle (dist/webview.js, mode 'compare') in headless Chromium at two panel widths; saves
// screenshots in .test-output/preview/. `npx tsx test/e2e/preview-compare.ts <runsDir>` after `npm run build`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readRun, listRunEntries } from '../../src/runs/reader';
import { compareRuns } from '../../src/runs/compare';
import { comparisonCurves } from '../../src/protocol';
import { ROOT, launchBrowser, log } from './harness';

const DARK =
  '--vscode-foreground:#cccccc;--vscode-descriptionForeground:#9d9d9d;--vscode-editor-background:#1f1f1f;--vscode-editorWidget-border:#454545;--vscode-charts-blue:#3794ff;--vscode-charts-orange:#d18616;--vscode-charts-green:#89d185;--vscode-font-family:sans-serif;--vscode-font-size:13px;background:#1f1f1f;color:#ccc';

async function main(): Promise<void> {
  const runsDir = process.argv[2];
  if (!runsDir) throw new Error('give a runs folder');
  const runs = [];
  for (const e of await listRunEntries(runsDir)) {
    const r = await readRun(e.dir);
    if (r.info) runs.push({ info: r.info, metrics: r.metrics, events: r.events });
  }
  const comparison = compareRuns(runs);
  const curves = comparisonCurves(runs);
  const outDir = join(ROOT, '.test-output', 'preview');
  mkdirSync(outDir, { recursive: true });
  const dist = pathToFileURL(join(ROOT, 'dist')).href;
  const html = join(outDir, 'compare.html');
  writeFileSync(
    html,
    `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${dist}/webview.css">
<script>window.acquireVsCodeApi = () => ({ postMessage() {}, getState() { return undefined; }, setState() {} });</script>
</head><body data-mode="compare" style="${DARK}"><div id="app"></div><script src="${dist}/webview.js"></script></body></html>`,
  );
  const browser = await launchBrowser();
  try {
    for (const width of [1000, 1432]) {
      const page = await browser.newPage({ viewport: { width, height: 700 } });
      await page.addInitScript('window.__name = (f) => f;');
      await page.goto(pathToFileURL(html).href);
      await page.evaluate((m) => window.postMessage(m, '*'), { type: 'comparison', comparison, curves });
      await page.waitForTimeout(800);
      const shot = join(outDir, `compare-${width}.png`);
      await page.screenshot({ path: shot });
      log(`  ${shot}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
