// e2e steps for the experiments table and run management (issue 14): three hand-made runs compared
// (sorted by clicking a header, filtered, warnings on the runs that do not compare), a run renamed
// and one deleted from the Runs tree's context menu, a stopped run resumed to completion,
// and a custom start flow with a schedule error shown at its step, a stable:2 rank policy and a
// name. Each asserts what the screen shows; screenshots in .test-output/e2e/.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { sampleConfig, sampleMetrics, sampleRunInfo, writeRunFolder } from '../../support/runFixtures';
import type { RunInfo } from '../../../src/runs/types';
import { OUT_DIR, log, pickQuickItem, runCommand, until } from '../harness';

export interface ExperimentsStepDeps {
  page: Page;
  runsDir: string;
  training: boolean;
  step: (name: string, fn: () => Promise<void>) => Promise<void>;
}

async function shot(page: Page, name: string): Promise<void> {
  const file = join(OUT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  log(`screenshot ${file}`);
}

async function openSidebar(page: Page): Promise<void> {
  const icon = page.locator('.activitybar [aria-label^="Tucker Train"]').first();
  const title = page.locator('.part.sidebar .composite.title h2', { hasText: /tucker train/i });
  if (!(await title.isVisible().catch(() => false))) await icon.click();
  await title.waitFor({ state: 'visible', timeout: 10_000 });
}

const treeRow = (page: Page, text: string | RegExp) => page.locator('.part.sidebar .monaco-list-row', { hasText: text }).first();

function readInfo(runsDir: string, id: string): RunInfo | null {
  try {
    return JSON.parse(readFileSync(join(runsDir, id, 'run.json'), 'utf8')) as RunInfo;
  } catch {
    return null;
  }
}

function findRunByName(runsDir: string, name: string): string | null {
  for (const id of readdirSync(runsDir)) if (readInfo(runsDir, id)?.name === name) return id;
  return null;
}

/** Types into the open input box and presses Enter. */
async function answer(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(text);
  await page.waitForTimeout(150);
  await page.keyboard.press('Enter');
}

/** Runs a command from a run's context menu in the Runs tree (right click). */
async function onSelected(page: Page, row: string, label: string): Promise<void> {
  await openSidebar(page);
  await page.keyboard.press('Escape');
  await treeRow(page, row).click({ button: 'right' });
  const item = page.locator('.context-view .action-item', { hasText: label }).first();
  await item.waitFor({ state: 'visible', timeout: 10_000 });
  // The workbench ignores a click that lands right after the menu opened (it guards against the
  // opening right-click's own mouse-up): wait a moment, and click again if the menu stays open.
  await page.waitForTimeout(300);
  await item.click();
  const menu = page.locator('.context-view .monaco-menu').first();
  if (
    !(await menu.waitFor({ state: 'hidden', timeout: 2000 }).then(
      () => true,
      () => false,
    ))
  ) {
    await item.click();
    await menu.waitFor({ state: 'hidden', timeout: 5000 });
  }
}

const EXP = {
  baseline: '20250103-000000-exp-baseline',
  tucker: '20250103-010000-exp-tucker',
  cifar: '20250103-000030-exp-cifar',
};

function writeExperiments(runsDir: string): void {
  const ended = (start: string, s: number) => new Date(Date.parse(start) + s * 1000).toISOString();
  const runs: [string, string, Partial<RunInfo>, ReturnType<typeof sampleMetrics>][] = [
    [
      EXP.baseline,
      'exp-baseline',
      { config: sampleConfig({ decomposeAt: null }), startedAt: '2025-01-03T00:00:00.000Z' },
      sampleMetrics(6, null),
    ],
    [
      EXP.tucker,
      'exp-tucker',
      { config: sampleConfig({ decomposeAt: 2, rankPolicy: 'stable:2' }), startedAt: '2025-01-03T01:00:00.000Z' },
      sampleMetrics(6, 2),
    ],
    [
      EXP.cifar,
      'exp-cifar',
      {
        config: sampleConfig({ model: 'vgg19', dataset: 'cifar10:/data/cifar', epochs: 3, lr: 0.1, batchSize: 128 }),
        startedAt: '2025-01-03T00:00:30.000Z',
      },
      sampleMetrics(3, 2),
    ],
  ];
  for (const [id, name, over, metrics] of runs)
    writeRunFolder(
      runsDir,
      sampleRunInfo(id, { name, status: 'completed', ...over, endedAt: ended(over.startedAt!, metrics.at(-1)!.seconds) }),
      metrics,
    );
}

async function rowOrder(panel: FrameLocator): Promise<string[]> {
  return panel.locator('vscode-table-row[data-run]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run') ?? ''));
}

export async function experimentsSteps({ page, runsDir, training, step }: ExperimentsStepDeps): Promise<void> {
  const panel = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');

  await step('experiments table: three runs, sorted by a header click, filtered, warnings on the runs that do not compare', async () => {
    writeExperiments(runsDir);
    await openSidebar(page);
    await treeRow(page, 'exp-cifar').waitFor({ state: 'visible', timeout: 30_000 });
    const desc = (await treeRow(page, 'exp-tucker').textContent()) ?? '';
    assert.match(desc, /\d+\.\d % · decomposed · epoch 6\/6/, `the tree row shows best accuracy and phase: ${desc}`);
    await runCommand(page, 'Tucker Train: Compare runs');
    const input = page.locator('.quick-input-widget input.input');
    for (const name of ['exp-baseline', 'exp-tucker', 'exp-cifar']) {
      await input.fill(name);
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await page.waitForTimeout(200);
      await row.locator('.quick-input-list-checkbox, input[type=checkbox], .monaco-custom-toggle').first().click();
    }
    await input.fill('');
    await page.locator('.quick-input-widget', { hasText: '3 Selected' }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await until('three rows in the experiments table', async () => (await rowOrder(panel)).length === 3, 30_000);
    const baselineRow = (await panel.locator('vscode-table-row.baseline').textContent()) ?? '';
    assert.match(baselineRow, /exp-baseline/);
    // Time: numbers sort best first (longest here), a second click flips.
    await panel.locator('vscode-table-header-cell[data-column="time"]').click();
    await until(
      'sorted by time, descending',
      async () => (await rowOrder(panel)).join() === [EXP.baseline, EXP.tucker, EXP.cifar].join(),
      5000,
    );
    await panel.locator('vscode-table-header-cell[data-column="time"]').click();
    await until(
      'sorted by time, ascending',
      async () => (await rowOrder(panel)).join() === [EXP.cifar, EXP.tucker, EXP.baseline].join(),
      5000,
    );
    assert.match((await panel.locator('vscode-table-header-cell[data-column="time"]').textContent()) ?? '', /▲/);
    const notes = (await panel.locator('.compare-notes').textContent()) ?? '';
    assert.match(notes, /exp-cifar: different model than the baseline \(vgg19 vs small-cnn\); different dataset/);
    assert.match(notes, /trained at the same time as 'exp-baseline' on the same machine/);
    assert.ok(!/exp-tucker:/.test(notes), `exp-tucker compares with the baseline: ${notes}`);
    const tucker = (await panel.locator(`vscode-table-row[data-run="${EXP.tucker}"]`).textContent()) ?? '';
    assert.match(tucker, /stable:2/);
    assert.match(tucker, /1\.36×/, `speedup 60 s / 44 s: ${tucker}`);
    assert.equal(await panel.locator('.compare-chart figcaption').count(), 4);
    await page.waitForTimeout(600);
    await shot(page, '14-experiments-table');
    await panel.locator('input.filter').fill('cifar');
    await until('the filter keeps one row', async () => (await rowOrder(panel)).join() === EXP.cifar, 5000);
    assert.match((await panel.locator('.count').textContent()) ?? '', /1 of 3 runs/);
    await panel.locator('input.filter').fill('');
    await until('all rows back', async () => (await rowOrder(panel)).length === 3, 5000);
  });

  await step('rename a run from the Runs tree’s context menu: the tree and the table show the new name, the folder stays', async () => {
    await onSelected(page, 'exp-tucker', 'Rename run');
    await answer(page, 'tucker stable x2');
    await treeRow(page, 'tucker stable x2').waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(readInfo(runsDir, EXP.tucker)?.displayName, 'tucker stable x2');
    assert.equal(readInfo(runsDir, EXP.tucker)?.name, 'exp-tucker');
    await until(
      'the table follows the rename',
      async () => /tucker stable x2/.test((await panel.locator(`vscode-table-row[data-run="${EXP.tucker}"]`).textContent()) ?? ''),
      10_000,
    );
  });

  await step('delete a run: a modal confirmation, then the folder goes (to the trash) and its row disappears', async () => {
    await onSelected(page, 'exp-cifar', 'Delete run');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match((await dialog.textContent()) ?? '', /Delete run "exp-cifar"\?/);
    await shot(page, '15-delete-confirmation');
    await dialog.locator('.monaco-button', { hasText: 'Move to Trash' }).click();
    // A host without a trash (a server) says so and asks once more.
    const again = page.locator('.monaco-dialog-box', { hasText: 'could not be moved to the trash' });
    if (
      await again.waitFor({ state: 'visible', timeout: 3000 }).then(
        () => true,
        () => false,
      )
    ) {
      log('  no trash on this host: deleting permanently');
      await again.locator('.monaco-button', { hasText: 'Delete Permanently' }).click();
    }
    await until('the run folder to be gone', async () => !existsSync(join(runsDir, EXP.cifar)), 15_000);
    await treeRow(page, 'exp-cifar').waitFor({ state: 'detached', timeout: 15_000 });
    await runCommand(page, 'View: Close All Editors');
  });

  if (!training) return;

  await step('resume a stopped run from the Runs tree’s context menu: it trains to completed and says so', async () => {
    const id = '20250103-020000-e2e-stopped';
    writeRunFolder(
      runsDir,
      sampleRunInfo(id, {
        name: 'e2e-stopped',
        status: 'stopped',
        endedAt: '2025-01-03T02:00:10.000Z',
        config: sampleConfig({
          model: 'small-cnn',
          dataset: 'synthetic',
          epochs: 2,
          decomposeAt: null,
          runsDir,
          lr: 0.05,
          weightDecay: 5e-3,
        }),
      }),
    );
    await openSidebar(page);
    await treeRow(page, 'e2e-stopped').waitFor({ state: 'visible', timeout: 30_000 });
    await onSelected(page, 'e2e-stopped', 'Resume run');
    await until('run.json status completed after the resume', async () => readInfo(runsDir, id)?.status === 'completed', 180_000, 1000);
    await treeRow(page, /e2e-stopped.*epoch 2\/2/).waitFor({ state: 'visible', timeout: 15_000 });
    await page
      .locator('.notification-toast', { hasText: /run e2e-stopped finished — final accuracy \d+\.\d\d %/ })
      .first()
      .waitFor({ timeout: 15_000 });
    await shot(page, '16-resumed-run');
  });

  await step('custom start flow: a schedule error at its step keeps the answers, stable:2 ranks and a name', async () => {
    await runCommand(page, 'Tucker Train: Start decomposed training');
    await pickQuickItem(page, 'Custom…');
    await pickQuickItem(page, 'small-cnn');
    await pickQuickItem(page, 'synthetic');
    await answer(page, '3');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible' });
    await input.fill('5');
    await page
      .locator('.quick-input-widget', { hasText: /decompose after epoch: 5 must be below epochs \(3\)/ })
      .waitFor({ timeout: 10_000 });
    await shot(page, '17-start-flow-error-at-step');
    await input.fill('1');
    await page.keyboard.press('Enter');
    await answer(page, 'none');
    await pickQuickItem(page, 'stable:F…');
    await answer(page, '2');
    await until(
      'the suggested name, following the answers',
      async () => (await input.inputValue()) === 'small-cnn-tucker-d1-stable2',
      10_000,
    );
    await input.fill('e2e-custom-stable');
    await page.waitForTimeout(150);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'Advanced…' }).waitFor({ timeout: 10_000 });
    await shot(page, '18-start-flow-ready');
    await pickQuickItem(page, 'Start training');
    const id = await until('the run folder', async () => findRunByName(runsDir, 'e2e-custom-stable'), 60_000, 1000);
    const info = readInfo(runsDir, id)!;
    assert.equal(info.config.rankPolicy, 'stable:2');
    assert.equal(info.config.decomposeAt, 1);
    assert.equal(info.config.reconstructAt, null);
    assert.equal(info.config.epochs, 3);
    await until('the custom run completed', async () => readInfo(runsDir, id)?.status === 'completed', 240_000, 1000);
    await openSidebar(page);
    await treeRow(page, /e2e-custom-stable.*decomposed · epoch 3\/3/).waitFor({ state: 'visible', timeout: 15_000 });
    await shot(page, '19-custom-run-done');
  });
}
