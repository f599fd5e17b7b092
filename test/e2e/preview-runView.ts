// Looks at the run view without VS Code: a run folder (argument, default: the newest under ./runs)
// loaded into the real bundle (dist/webview.js, mode 'run') in headless Chromium with dark and light
// theme variables; hovers the accuracy chart and saves screenshots in .test-output/preview/.
// `npx tsx test/e2e/preview-runView.ts <runDir>` after `npm run build`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readRun, listRunEntries } from '../../src/runs/reader';
import { toMetricColumns, toStepColumns } from '../../src/protocol';
import { ROOT, launchBrowser, log } from './harness';

const THEMES = {
  dark: '--vscode-foreground:#cccccc;--vscode-descriptionForeground:#9d9d9d;--vscode-editor-background:#1f1f1f;--vscode-editorWidget-border:#454545;--vscode-charts-blue:#3794ff;--vscode-charts-orange:#d18616;--vscode-charts-green:#89d185;--vscode-charts-red:#f14c4c;--vscode-charts-purple:#b180d7;--vscode-charts-yellow:#cca700;--vscode-font-family:sans-serif;--vscode-font-size:13px;background:#1f1f1f;color:#ccc',
  light:
    '--vscode-foreground:#3b3b3b;--vscode-descriptionForeground:#717171;--vscode-editor-background:#ffffff;--vscode-editorWidget-border:#c8c8c8;--vscode-charts-blue:#1a85ff;--vscode-charts-orange:#d18616;--vscode-charts-green:#388a34;--vscode-charts-red:#e51400;--vscode-charts-purple:#652d90;--vscode-charts-yellow:#bf8803;--vscode-font-family:sans-serif;--vscode-font-size:13px;background:#fff;color:#333',
};

async function main(): Promise<void> {
  const dir = process.argv[2] ?? (await listRunEntries(join(process.cwd(), 'runs')))[0]?.dir;
  if (!dir) throw new Error('give a run folder');
  const r = await readRun(dir);
  const outDir = join(ROOT, '.test-output', 'preview');
  mkdirSync(outDir, { recursive: true });
  const dist = pathToFileURL(join(ROOT, 'dist')).href;
  const run = {
    id: r.info?.id ?? 'run',
    dir,
    info: r.info,
    state: { status: r.info?.status ?? 'completed', error: null, canStop: false, stopping: false },
    metrics: toMetricColumns(r.metrics),
    steps: toStepColumns(r.steps),
    events: r.events,
    problems: r.problems,
  };
  const browser = await launchBrowser();
  try {
    for (const [theme, style] of Object.entries(THEMES)) {
      for (const mode of ['run', 'dashboard'] as const) {
        const html = join(outDir, `${mode}-${theme}.html`);
        writeFileSync(
          html,
          `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${dist}/webview.css">
<script>window.acquireVsCodeApi = () => ({ postMessage(m) { window.__sent = [...(window.__sent || []), m]; }, getState() { return undefined; }, setState() {} });</script>
</head><body data-mode="${mode}" style="${style}"><div id="app"></div><script src="${dist}/webview.js"></script></body></html>`,
        );
        const page = await browser.newPage({ viewport: mode === 'run' ? { width: 1200, height: 900 } : { width: 420, height: 1000 } });
        await page.addInitScript('window.__name = (f) => f;');
        await page.goto(pathToFileURL(html).href);
        await page.evaluate((m) => window.postMessage({ type: 'run', run: m }, '*'), run);
        await page.waitForTimeout(500);
        const chart = page.locator('figure.chart').first();
        const box = await chart.locator('.u-over').boundingBox();
        if (box) await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
        await page.waitForTimeout(200);
        const tip = await page
          .locator('.chart-tooltip:not([hidden])')
          .first()
          .innerText()
          .catch(() => '(no tooltip)');
        log(`${mode} ${theme}: tooltip: ${tip.replace(/\n/g, ' | ')}`);
        const shot = join(outDir, `${mode}-${theme}.png`);
        await page.screenshot({ path: shot, fullPage: mode === 'run' });
        log(`  ${shot}`);
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
