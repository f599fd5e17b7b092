// Benchmark: a run with 100,000 metric points loaded into the real dashboard bundle
// (dist/webview.js) in headless Chromium. Reports the time from posting the run to the first
// rendered frame, and the cost of one live update (one appended record, rendered).
// Goal (issue 4): first render < 500 ms, live update < 16 ms. `npm run bench:dashboard`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decomposeEvent, sampleRunInfo } from '../support/runFixtures';
import type { EpochMetrics } from '../../src/runs/types';
import { toMetricColumns } from '../../src/protocol';
import { ROOT, launchBrowser, log } from './harness';

const N = Number(process.env.BENCH_POINTS ?? 100_000);
const UPDATES = 60;

function metrics(n: number): EpochMetrics[] {
  const out: EpochMetrics[] = [];
  let seconds = 0;
  for (let e = 1; e <= n; e++) {
    const decomposed = e > n / 10;
    seconds += decomposed ? 0.6 : 1;
    const acc = 1 - 0.9 * Math.exp(-e / (n / 8)) - 0.01 * Math.sin(e);
    out.push({
      epoch: e,
      step: e * 10,
      phase: decomposed ? 'decomposed' : 'original',
      trainLoss: 2.3 * Math.exp(-e / (n / 8)) + 0.02 * Math.cos(e),
      trainAccuracy: acc,
      valLoss: 2.4 * Math.exp(-e / (n / 8)),
      valAccuracy: acc - 0.01,
      lr: 0.01,
      seconds,
      epochSeconds: decomposed ? 0.6 : 1,
      imagesPerSecond: 1000,
      params: decomposed ? 40000 : 100000,
    });
  }
  return out;
}

async function main(): Promise<void> {
  const outDir = join(ROOT, '.test-output', 'bench');
  mkdirSync(outDir, { recursive: true });
  const html = join(outDir, 'dashboard.html');
  const dist = pathToFileURL(join(ROOT, 'dist')).href;
  writeFileSync(
    html,
    `<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="${dist}/webview.css">
<script>window.acquireVsCodeApi = () => ({ postMessage() {}, getState() { return undefined; }, setState() {} });</script>
</head><body data-mode="dashboard" style="width: 420px"><div id="app"></div><script src="${dist}/webview.js"></script></body></html>`,
  );

  const ms = metrics(N);
  const info = sampleRunInfo('bench', {
    name: `bench-${N}-points`,
    status: 'running',
    pid: null,
    config: { ...sampleRunInfo('x').config, epochs: N + 1000, decomposeAt: N / 10 },
  });
  const run = {
    id: 'bench',
    dir: '/bench',
    info,
    state: { status: 'running', error: null, canStop: true, stopping: false },
    metrics: toMetricColumns(ms),
    events: [decomposeEvent(N / 10, ms[N / 10 - 1].seconds)],
    problems: [],
  };

  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 460, height: 1000 } });
    // tsx compiles the functions passed to page.evaluate with esbuild's keepNames helper.
    await page.addInitScript('window.__name = (f) => f;');
    await page.goto(pathToFileURL(html).href);
    await page.waitForFunction(() => (window as unknown as { tuckerDashboard?: unknown }).tuckerDashboard !== undefined);
    // First render: post the whole run like the host does, wait until the frame with it is drawn.
    const first = await page.evaluate(async (r) => {
      const t0 = performance.now();
      window.postMessage({ type: 'run', run: r }, '*');
      const app = document.getElementById('app')!;
      await new Promise<void>((resolve) => {
        const check = () => (app.dataset.epochs === String(r.metrics.epoch.length) ? resolve() : requestAnimationFrame(check));
        requestAnimationFrame(check);
      });
      const rendered = performance.now();
      await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res))); // painted
      return { toRender: rendered - t0, toPaint: performance.now() - t0 };
    }, run);
    // The same, split: the message copy (structured clone) vs handling and drawing.
    const split = await page.evaluate(async (r) => {
      const d = (window as unknown as { tuckerDashboard: { handle(m: unknown): void; render(): void } }).tuckerDashboard;
      const t0 = performance.now();
      const copy = structuredClone({ type: 'run', run: r });
      const t1 = performance.now();
      d.handle(copy);
      d.render();
      await new Promise<void>((res) => queueMicrotask(res));
      return { cloneMs: t1 - t0, renderMs: performance.now() - t1 };
    }, run);
    // Live updates: one new record each, handled and rendered synchronously (what one throttled update costs).
    const live = await page.evaluate(
      async ({ last, count }) => {
        const d = (window as unknown as { tuckerDashboard: { handle(m: unknown): void; render(): void } }).tuckerDashboard;
        const times: number[] = [];
        let rec = last;
        for (let i = 0; i < count; i++) {
          rec = { ...rec, epoch: rec.epoch + 1, seconds: rec.seconds + 0.6, step: rec.step + 10 };
          const t0 = performance.now();
          d.handle({ type: 'metrics', runId: 'bench', records: [rec] });
          d.render();
          await new Promise<void>((res) => queueMicrotask(res)); // uPlot draws in a microtask
          times.push(performance.now() - t0);
          await new Promise((res) => requestAnimationFrame(res));
        }
        times.sort((a, b) => a - b);
        return {
          median: times[Math.floor(times.length / 2)],
          p95: times[Math.floor(times.length * 0.95)],
          max: times[times.length - 1],
        };
      },
      { last: ms[ms.length - 1], count: UPDATES },
    );
    await page.screenshot({ path: join(outDir, 'dashboard-100k.png'), fullPage: true });
    log(
      `  of which: copying the message ${split.cloneMs.toFixed(0)} ms, building columns and drawing 4 charts ${split.renderMs.toFixed(0)} ms`,
    );
    const ok = first.toRender < 500 && live.median < 16;
    log(
      `dashboard with ${N.toLocaleString('en')} points: first render ${first.toRender.toFixed(0)} ms (painted ${first.toPaint.toFixed(0)} ms; goal < 500 ms)`,
    );
    log(
      `live update (1 record, 4 charts): median ${live.median.toFixed(1)} ms, p95 ${live.p95.toFixed(1)} ms, max ${live.max.toFixed(1)} ms (goal < 16 ms)`,
    );
    log(`${ok ? 'within' : 'OUTSIDE'} the goals; screenshot ${join(outDir, 'dashboard-100k.png')}`);
    writeFileSync(
      join(outDir, 'dashboard-100k.json'),
      JSON.stringify({ points: N, firstRenderMs: first.toRender, firstPaintMs: first.toPaint, liveUpdateMs: live }, null, 2),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
