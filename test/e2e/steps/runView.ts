// e2e steps for the run view (an editor tab, issue 14): a run with epoch and step records and a
// decomposition and a reconstruction one epoch apart is opened from the Runs tree's inline action;
// hovering the accuracy chart at an epoch shows exactly that epoch's recorded values; a drag zooms
// in, a double-click resets; the x axis switches to steps. Screenshots in .test-output/e2e/.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { decomposeEvent, sampleConfig, sampleMetrics, sampleRunInfo, writeRunFolder } from '../../support/runFixtures';
import type { RunEvent, StepMetrics } from '../../../src/runs/types';
import { STEPS_FILE } from '../../../src/runs/types';
import { OUT_DIR, log, runCommand, until } from '../harness';
import { allElements, parseXml } from '../../support/xml';

const STEPS_PER_EPOCH = 20;

export interface RunViewStepDeps {
  page: Page;
  runsDir: string;
  step: (name: string, fn: () => Promise<void>) => Promise<void>;
}

/** A finished run: 4 epochs, a step record every 5 steps, decomposed after 2, reconstructed after 3. */
function writeFixtureRun(runsDir: string): { id: string; metrics: ReturnType<typeof sampleMetrics> } {
  const id = '20250102-000000-runview-demo';
  const metrics = sampleMetrics(4, 2);
  metrics.forEach((m, i) => (m.step = (i + 1) * STEPS_PER_EPOCH));
  const reconstruct: RunEvent = {
    type: 'reconstruct',
    time: '2025-01-02T00:01:00.000Z',
    epoch: 3,
    seconds: metrics[2].seconds + 0.5,
    durationSeconds: 0.5,
    paramsBefore: 30_000,
    paramsAfter: 100_000,
    maxOutputDifference: 1e-6,
  };
  const info = sampleRunInfo(id, {
    name: 'runview-demo',
    config: sampleConfig({ epochs: 4, decomposeAt: 2, reconstructAt: 3 }),
  });
  const dir = writeRunFolder(runsDir, info, metrics, [decomposeEvent(2, metrics[1].seconds), reconstruct]);
  const lines: string[] = [];
  for (let s = 5; s <= 4 * STEPS_PER_EPOCH; s += 5) {
    const epoch = Math.ceil(s / STEPS_PER_EPOCH);
    const prev = epoch > 1 ? metrics[epoch - 2].seconds : 0;
    const epochStep = s - (epoch - 1) * STEPS_PER_EPOCH;
    const record: StepMetrics = {
      epoch,
      step: s,
      epochStep,
      stepsPerEpoch: STEPS_PER_EPOCH,
      phase: metrics[epoch - 1].phase,
      trainLoss: 2 / (1 + s / 10) + 0.05 * Math.sin(s),
      trainAccuracy: Math.min(0.99, 0.3 + s / 120 + 0.03 * Math.cos(s)),
      steps: 5,
      lr: epoch > 3 ? 0.001 : 0.01,
      seconds: prev + (metrics[epoch - 1].epochSeconds * epochStep) / STEPS_PER_EPOCH,
      imagesPerSecond: epoch > 2 ? 900 + 20 * Math.sin(s) : 500 + 20 * Math.cos(s),
    };
    lines.push(JSON.stringify(record) + '\n');
  }
  appendFileSync(join(dir, STEPS_FILE), lines.join(''));
  return { id, metrics };
}

async function screenshot(page: Page, name: string): Promise<void> {
  const file = join(OUT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  log(`screenshot ${file}`);
}

/** Pixel position (page coordinates) of x value `v` on a chart's plot area. */
async function xPosition(view: FrameLocator, chart: string, v: number): Promise<{ x: number; y: number }> {
  const over = view.locator(`figure[data-chart="${chart}"] .u-over`);
  const box = await over.boundingBox();
  assert.ok(box, `the ${chart} chart has a plot area`);
  const range = await view.locator(`figure[data-chart="${chart}"]`).getAttribute('data-x-range');
  const [min, max] = (range ?? '').split(',').map(Number);
  assert.ok(max > min, `x range of ${chart}: ${range}`);
  return { x: box.x + ((v - min) / (max - min)) * box.width, y: box.y + box.height * 0.6 };
}

export async function runViewSteps({ page, runsDir, step }: RunViewStepDeps): Promise<void> {
  const { id, metrics } = writeFixtureRun(runsDir);
  const view = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');

  await step('run view: opens in an editor tab from the Runs tree', async () => {
    await runCommand(page, 'View: Close All Editors');
    const row = page.locator('.part.sidebar .monaco-list-row', { hasText: 'runview-demo' });
    await row.waitFor({ state: 'visible', timeout: 60_000 });
    await row.hover();
    await row.locator('.action-label[aria-label="Open run in editor"]').click();
    await page.locator('.tabs-container .tab', { hasText: 'runview-demo' }).waitFor({ timeout: 30_000 });
    await view.locator(`#app[data-run-id="${id}"][data-epochs="4"]`).waitFor({ timeout: 30_000 });
    assert.equal(await view.locator('#app').getAttribute('data-steps'), String((4 * STEPS_PER_EPOCH) / 5));
    assert.equal(await view.locator('figure.chart').count(), 4);
    const markers = (await view.locator('figure[data-chart="accuracy-epoch"]').getAttribute('data-markers')) ?? '';
    assert.match(markers, /decompose@2/);
    assert.match(markers, /reconstruct@3/);
  });

  await step("run view: hovering the accuracy chart at epoch 3 shows that epoch's recorded values", async () => {
    const at = await xPosition(view, 'accuracy-epoch', 3);
    await page.mouse.move(at.x, at.y);
    const tip = view.locator('figure[data-chart="accuracy-epoch"] .chart-tooltip:not([hidden])');
    await tip.waitFor({ timeout: 10_000 });
    const read = async (series: string) => {
      const row = tip.locator(`.tooltip-row[data-series="${series}"]`);
      return {
        value: Number(await row.getAttribute('data-value')),
        x: Number(await row.getAttribute('data-x')),
        text: await row.textContent(),
      };
    };
    const val = await read('validation');
    const train = await read('train (epoch mean)');
    log(`  tooltip at epoch 3: ${(await tip.innerText()).replace(/\n/g, ' | ')}`);
    assert.equal(val.x, 3);
    assert.equal(val.value, metrics[2].valAccuracy);
    assert.equal(train.value, metrics[2].trainAccuracy);
    assert.ok(val.text?.includes(`${(metrics[2].valAccuracy! * 100).toFixed(2)} %`), `shown as a percentage: ${val.text}`);
    await screenshot(page, '20-run-view-tooltip');
  });

  await step('run view: drag zooms in, double-click resets', async () => {
    const chart = view.locator('figure[data-chart="loss-epoch"]');
    const from = await xPosition(view, 'loss-epoch', 1.5);
    const to = await xPosition(view, 'loss-epoch', 2.5);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 6 });
    await page.mouse.up();
    await until('the loss chart to zoom in', async () => (await chart.getAttribute('data-zoomed')) === 'true', 5_000, 100);
    const [min, max] = ((await chart.getAttribute('data-x-range')) ?? '').split(',').map(Number);
    log(`  zoomed to epochs ${min.toFixed(2)}–${max.toFixed(2)}`);
    assert.ok(min > 1.3 && max < 2.7, `zoomed range ${min}–${max}`);
    await screenshot(page, '21-run-view-zoomed');
    await page.mouse.dblclick((from.x + to.x) / 2, from.y);
    await until('the zoom to reset', async () => (await chart.getAttribute('data-zoomed')) === 'false', 5_000, 100);
  });

  await step('run view: Save as SVG writes the chart where the save dialog says', async () => {
    const target = join(runsDir, id, 'accuracy-vs-epoch.svg');
    await view.locator('figure[data-chart="accuracy-epoch"] .save-svg').click();
    // code-server's save dialog is a quick input holding the suggested path (the run folder).
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    // It fills in the suggested name a moment after it opens; type the full path either way.
    const suggested = await until(
      'the suggested file name',
      async () => {
        const v = await input.inputValue();
        return v.endsWith('.svg') ? v : null;
      },
      5_000,
      100,
    ).catch(() => input.inputValue());
    log(`  save dialog suggested ${suggested}`);
    await input.fill(target);
    await page.keyboard.press('Enter');
    const svg = await until('the SVG file', async () => (existsSync(target) ? readFileSync(target, 'utf8') : null), 15_000, 200);
    const root = parseXml(svg);
    const lines = allElements(root)
      .filter((e) => e.name === 'path')
      .map((e) => e.attrs['aria-label']);
    assert.ok(lines.includes('validation') && lines.includes('train (epoch mean)'), `lines: ${lines.join(', ')}`);
    await view.locator('.run-note[data-saved]').waitFor({ timeout: 10_000 });
  });

  await step('run view: the step axis and a log-scale loss', async () => {
    await page.keyboard.press('Escape'); // a save dialog left open by a failed step above
    await view.locator('select.axis-select').selectOption('step');
    await view.locator('figure[data-chart="loss-step"]').waitFor({ timeout: 10_000 });
    await view.locator('input.log-loss').check();
    const markers = (await view.locator('figure[data-chart="accuracy-step"]').getAttribute('data-markers')) ?? '';
    assert.match(markers, new RegExp(`decompose@${2 * STEPS_PER_EPOCH}`));
    await page.waitForTimeout(300);
    await screenshot(page, '22-run-view-steps');
    await view.locator('select.axis-select').selectOption('epoch');
    await view.locator('input.log-loss').uncheck();
  });
}
