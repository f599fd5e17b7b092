// End-to-end test in a real VS Code (code-server 4.100.3) driven by headless Chromium:
//  1. the extension activates; a hand-made run folder shows in the Runs tree and the Dashboard;
//  2. "Start decomposed training" from the palette with a quick preset: epochs advance live, the
//     decomposition marker and the per-layer rank table appear;
//  3. Stop (the dashboard's button) stops a second, longer run: status `stopped`;
//  4. a run started from the command line appears in the Runs tree;
//  5. code lenses on a model.json show the planted Tucker ranks, a hover the breakdown, and the preview the table;
//  6. "Run decomposition study" (smoke preset): the study is a group in the Runs tree with its progress,
//     and the comparison opens on its runs, with accuracy against epoch and against wall-clock time.
// Screenshots go to .test-output/e2e/. Run with `npm run test:e2e` (setup.sh installs what it needs).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { decomposeEvent, sampleConfig, sampleMetrics, sampleRunInfo, writeRunFolder } from '../support/runFixtures';
import {
  E2E_DIR,
  OUT_DIR,
  ROOT,
  launchBrowser,
  log,
  packageExtension,
  pickQuickItem,
  runCommand,
  startCodeServer,
  until,
  waitForWorkbench,
  webviewFrame,
} from './harness';

import { runViewSteps } from './steps/runView';
import { experimentsSteps } from './steps/experiments';

const TRAINING = process.env.TUCKER_E2E_TRAINING !== '0';

async function openTuckerTrain(page: Page): Promise<void> {
  const icon = page.locator('.activitybar [aria-label^="Tucker Train"]').first();
  await icon.waitFor({ state: 'visible', timeout: 60_000 });
  const title = page.locator('.part.sidebar .composite.title h2', { hasText: /tucker train/i });
  // After a reload the workbench restores the sidebar a moment after the icon appears: a click
  // during the restore toggles it closed again. So: wait for the restore, click, and check
  // again, a few times, instead of clicking once on a stale reading.
  for (let attempt = 0; attempt < 4; attempt++) {
    if (await title.isVisible().catch(() => false)) return;
    await page.waitForTimeout(attempt === 0 ? 1500 : 500);
    if (await title.isVisible().catch(() => false)) return;
    await icon.click();
    if (
      await title.waitFor({ state: 'visible', timeout: 3000 }).then(
        () => true,
        () => false,
      )
    )
      return;
  }
  await title.waitFor({ state: 'visible', timeout: 10_000 });
}

/** Drags the sidebar's right edge to x = `width` px. */
async function widenSidebar(page: Page, width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width - 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
  await page.waitForTimeout(400);
}

/** The dashboard's state, read in one go (the webview sets data-* attributes on #app). */
async function dashboardState(dash: FrameLocator): Promise<{ runId: string; lastEpoch: number; status: string }> {
  return dash.locator('#app').evaluate(
    (el: HTMLElement) => ({
      runId: el.dataset.runId ?? '',
      lastEpoch: Number(el.dataset.lastEpoch ?? '0'),
      status: el.dataset.status ?? '',
    }),
    undefined,
    { timeout: 2000 },
  );
}

async function shot(page: Page, name: string): Promise<void> {
  const file = join(OUT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  log(`screenshot ${file}`);
}

function runFolders(runsDir: string): string[] {
  try {
    return readdirSync(runsDir).filter((n) => !n.startsWith('.') && n !== 'studies');
  } catch {
    return [];
  }
}

function runStatus(runsDir: string, id: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(runsDir, id, 'run.json'), 'utf8')) as { status: string }).status;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const vsix = packageExtension();
  log(`packaged ${vsix}`);

  const workspace = join(E2E_DIR, 'workspace');
  rmSync(workspace, { recursive: true, force: true });
  const runsDir = join(workspace, 'runs');
  mkdirSync(runsDir, { recursive: true });
  const handmade = sampleRunInfo('20250101-000000-handmade', {
    name: 'handmade-vgg19',
    status: 'completed',
    endedAt: '2025-01-01T00:02:00.000Z',
    config: sampleConfig({ model: 'vgg19', dataset: 'synthetic', epochs: 8, decomposeAt: 3, reconstructAt: null }),
  });
  writeRunFolder(runsDir, handmade, sampleMetrics(8, 3), [decomposeEvent(3, 30)]);
  writeFileSync(
    join(workspace, 'experiment.tucker.json'),
    JSON.stringify({ $schema: '../../schemas/run-config.schema.json', model: 'small-cnn', dataset: 'synthetic', epochs: 5 }, null, 2),
  );

  const server = await startCodeServer(vsix, workspace, {
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'window.commandCenter': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'git.openRepositoryInParentFolders': 'never',
    'git.enabled': false,
  });
  const browser = await launchBrowser();
  const failures: string[] = [];
  const step = async (name: string, fn: () => Promise<void>) => {
    log(`— ${name}`);
    try {
      await fn();
      log(`  ok: ${name}`);
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      log(`  FAILED: ${name}: ${e instanceof Error ? e.stack : String(e)}`);
      await shot(page, `failed-${name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
    }
  };
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript('window.__name = (f) => f;'); // tsx's keepNames helper, used by evaluated functions
  page.on('console', (m) => {
    if (m.type() === 'error') log(`  [browser] ${m.text().slice(0, 300)}`);
  });
  try {
    await page.goto(server.url);
    await waitForWorkbench(page);
    log('workbench loaded');
    const dash = webviewFrame(page, 'Dashboard');

    await step('extension activates and the Runs tree shows a hand-made run', async () => {
      await openTuckerTrain(page);
      const row = page.locator('.part.sidebar .monaco-list-row', { hasText: 'handmade-vgg19' });
      await row.waitFor({ state: 'visible', timeout: 60_000 });
      await row.click();
      await dash.locator('.run-name', { hasText: 'handmade-vgg19' }).waitFor({ timeout: 60_000 });
      await dash.locator('.marker-decompose').waitFor({ timeout: 10_000 });
      await dash.locator('vscode-table-row[data-layer="conv2"]').waitFor({ timeout: 10_000 });
      const epochs = await dash.locator('#app').getAttribute('data-epochs');
      assert.equal(epochs, '8');
      await page.waitForTimeout(500);
      await shot(page, '01-handmade-run');
    });

    await step('the view restores its state after being hidden and shown', async () => {
      await page.locator('.activitybar [aria-label^="Explorer"]').first().click();
      await page.waitForTimeout(500);
      await openTuckerTrain(page);
      await dash.locator('.run-name', { hasText: 'handmade-vgg19' }).waitFor({ timeout: 30_000 });
    });

    await runViewSteps({ page, runsDir, step });

    await step('code lenses on a model.json show the planted Tucker ranks; hover shows the breakdown', async () => {
      const planted = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'models', 'small-cnn', 'planted-ranks.json'), 'utf8')) as Record<
        string,
        { k1?: number; k2?: number; rank?: number }
      >;
      const dir = join(workspace, 'models', 'small-cnn');
      mkdirSync(dir, { recursive: true });
      for (const f of ['model.json', 'weights.bin']) copyFileSync(join(ROOT, 'fixtures', 'models', 'small-cnn', f), join(dir, f));
      await page.keyboard.press('Escape');
      await page.locator('.activitybar [aria-label^="Explorer"]').first().click();
      const t0 = Date.now();
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input.input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill('models/small-cnn/model.json');
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'model.json' }).first().waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');
      const lensText = async () => (await page.locator('.monaco-editor .codelens-decoration').allTextContents()).join(' | ');
      const text = await until(
        'lenses with ranks from the weights',
        async () => {
          const t = await lensText();
          return t.includes('K1=') ? t : null;
        },
        60_000,
        100,
      );
      log(`  lenses after ${Date.now() - t0} ms: ${text.slice(0, 400)}`);
      for (const name of ['conv2', 'conv3', 'conv4']) {
        const p = planted[name];
        assert.ok(text.includes(`${name}: Tucker K1=${p.k1} K2=${p.k2} · params ÷`), `${name} K1=${p.k1} K2=${p.k2} in: ${text}`);
      }
      assert.ok(text.includes(`dense: SVD rank ${planted.dense.rank}`), `dense rank in: ${text}`);
      assert.match(text, /conv1: skipped/);
      assert.match(text, /Tucker-2: 4 of 5 layers decomposed/);
      assert.match(text, /Preview decomposition/);
      await shot(page, '09-model-json-lenses');
      // Hover the start of the layer list (conv1's config) on the file's only line.
      const word = page.locator('.monaco-editor .view-line span', { hasText: /^"Conv2D"$/ }).first();
      await word.hover();
      await page.waitForTimeout(300);
      await word.hover({ position: { x: 10, y: 5 } });
      const hover = page.locator('.monaco-hover', { hasText: 'Tucker Train' }).first();
      await hover.waitFor({ state: 'visible', timeout: 15_000 });
      const h = (await hover.textContent()) ?? '';
      log(`  hover: ${h.slice(0, 300)}`);
      assert.match(h, /Cin → Cout/);
      assert.match(h, /conv1/);
      await shot(page, '10-model-json-hover');
      // Preview decomposition: the table with the planted ranks.
      await page.mouse.move(5, 400);
      await page.keyboard.press('Escape');
      await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Preview decomposition' }).first().click();
      const panel = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
      await panel.locator('tr[data-layer="conv3"]').waitFor({ timeout: 30_000 });
      const row = (await panel.locator('tr[data-layer="conv3"]').textContent()) ?? '';
      assert.match(row, new RegExp(`16→32${planted.conv3.k1}${planted.conv3.k2}`));
      await page.waitForTimeout(500);
      await shot(page, '11-preview-decomposition');
      await runCommand(page, 'View: Close All Editors');
    });

    if (!TRAINING) {
      log('TUCKER_E2E_TRAINING=0: skipping the training steps');
    } else {
      let smokeId = '';
      await step('Start decomposed training with a quick preset: epochs advance, decomposition marker, rank table', async () => {
        const before = new Set(runFolders(runsDir));
        await runCommand(page, 'Tucker Train: Start decomposed training');
        await pickQuickItem(page, 'Smoke test');
        smokeId = await until('the new run folder', async () => runFolders(runsDir).find((n) => !before.has(n)), 60_000, 200);
        log(`  run folder ${smokeId}`);
        await dash.locator('#app[data-status]').waitFor({ timeout: 30_000 });
        const seen = new Set<number>();
        await until(
          'epochs to advance to the last one in the dashboard',
          async () => {
            const d = await dashboardState(dash);
            if (d.runId !== smokeId) return false;
            seen.add(d.lastEpoch);
            return d.lastEpoch >= 5;
          },
          240_000,
          150,
        );
        log(`  epochs seen in the dashboard: ${[...seen].sort((a, b) => a - b).join(', ')}`);
        assert.ok([...seen].filter((e) => e > 0 && e < 5).length >= 1, `epochs advanced live (saw ${[...seen].join(', ')})`);
        await dash.locator('.marker-decompose').waitFor({ timeout: 10_000 });
        assert.match((await dash.locator('.marker-decompose').textContent()) ?? '', /Decomposed after epoch 2/);
        await dash.locator('.rank-table vscode-table-row').first().waitFor({ timeout: 10_000 });
        // the smoke preset uses ratio:0.5: the first conv stays full-rank (--keep-first-conv, the
        // default), the other four 3×3 convs are decomposed, conv2d_2 (16→32) to K1=8, K2=16
        assert.ok(
          (await dash.getByText('Per-layer ranks (ratio:0.5, after epoch 2): 4 of 5 layers decomposed').count()) > 0,
          'rank table title',
        );
        const row = dash.locator('.rank-table vscode-table-row[data-layer="conv2d_2"]').first();
        assert.deepEqual(
          [
            (await row.locator('vscode-table-cell').nth(2).textContent())?.trim(),
            (await row.locator('vscode-table-cell').nth(3).textContent())?.trim(),
          ],
          ['8', '16'],
        );
        await until('status completed', async () => (await dash.locator('#app').getAttribute('data-status')) === 'completed', 60_000);
        await page.waitForTimeout(800);
        await shot(page, '02-dashboard-after-training');
        await widenSidebar(page, 760);
        await page.locator('.pane-header', { hasText: /^runs/i }).first().click(); // collapse Runs: the dashboard gets the height
        await page.waitForTimeout(1000);
        await shot(page, '02b-dashboard-wide');
        await page.locator('.pane-header', { hasText: /^runs/i }).first().click();
        await widenSidebar(page, 330);
      });

      await step('Stop stops a second run', async () => {
        const before = new Set(runFolders(runsDir));
        await runCommand(page, 'Tucker Train: Start decomposed training');
        await pickQuickItem(page, 'Quick demo: small CNN');
        const id = await until('the second run folder', async () => runFolders(runsDir).find((n) => !before.has(n)), 60_000, 200);
        log(`  run folder ${id}`);
        await dash.locator('.run-name', { hasText: 'quick-demo' }).waitFor({ timeout: 60_000 });
        const stop = dash.locator('vscode-button.stop');
        await stop.waitFor({ state: 'visible', timeout: 60_000 });
        await until(
          'a progress line in the header',
          async () => ((await dash.locator('.epoch-text').textContent()) ?? '').includes('in epoch'),
          120_000,
        );
        await shot(page, '03-second-run-live');
        await stop.click();
        await until('run.json status stopped', async () => runStatus(runsDir, id) === 'stopped', 90_000);
        await until(
          'the dashboard to show stopped',
          async () => (await dash.locator('#app').getAttribute('data-status')) === 'stopped',
          30_000,
        );
        await page.waitForTimeout(500);
        await shot(page, '04-second-run-stopped');
      });

      await step('a run survives a window reload: still live in the dashboard, and Stop still works', async () => {
        const before = new Set(runFolders(runsDir));
        await runCommand(page, 'Tucker Train: Start decomposed training');
        await pickQuickItem(page, 'Quick demo: small CNN');
        const id = await until('the third run folder', async () => runFolders(runsDir).find((n) => !before.has(n)), 60_000, 200);
        await until('the trainer to record its pid', async () => runStatus(runsDir, id) === 'running', 60_000);
        const pid = (JSON.parse(readFileSync(join(runsDir, id, 'run.json'), 'utf8')) as { pid: number }).pid;
        log(`  run ${id}, trainer pid ${pid}; reloading the window`);
        await runCommand(page, 'Developer: Reload Window');
        await page.waitForTimeout(2000);
        await waitForWorkbench(page);
        await openTuckerTrain(page);
        await page.waitForTimeout(3000);
        try {
          process.kill(pid, 0);
        } catch {
          const logs = join(E2E_DIR, 'profile', 'user-data', 'User', 'globalStorage', 'tucker-train.tucker-train', 'logs');
          const last = readdirSync(logs).sort().pop();
          const tail = last ? readFileSync(join(logs, last), 'utf8').split('\n').slice(-16).join('\n') : '(no log)';
          throw new Error(`the trainer (pid ${pid}) died with the old extension host; its log ends:\n${tail}`);
        }
        await until('the reloaded dashboard to show the run', async () => (await dashboardState(dash)).runId === id, 60_000);
        const stop = dash.locator('vscode-button.stop');
        await stop.waitFor({ state: 'visible', timeout: 30_000 });
        await shot(page, '05-run-after-reload');
        await stop.click();
        await until('run.json status stopped after the reload', async () => runStatus(runsDir, id) === 'stopped', 90_000);
        await until('the dashboard to show stopped', async () => (await dashboardState(dash)).status === 'stopped', 30_000);
      });

      await step('a run started from the command line appears in the Runs tree', async () => {
        const cli = spawn(
          process.execPath,
          [
            join(ROOT, 'dist', 'cli.js'),
            'train',
            '--model',
            'small-cnn',
            '--dataset',
            'synthetic',
            '--epochs',
            '2',
            '--baseline',
            '--runs-dir',
            runsDir,
            '--name',
            'from-the-cli',
            '--quiet',
          ],
          { stdio: 'ignore' },
        );
        try {
          await openTuckerTrain(page);
          await page.locator('.part.sidebar .monaco-list-row', { hasText: 'from-the-cli' }).waitFor({ state: 'visible', timeout: 90_000 });
          await shot(page, '06-cli-run-in-tree');
        } finally {
          await new Promise((r) => {
            if (cli.exitCode !== null) r(null);
            else cli.once('exit', r);
            setTimeout(r, 60_000);
          });
        }
      });

      await step('Run decomposition study: a group in the Runs tree with its progress, the comparison when it completes', async () => {
        await openTuckerTrain(page);
        await runCommand(page, 'Tucker Train: Run decomposition study');
        await pickQuickItem(page, 'Smoke study');
        const group = page.locator('.part.sidebar .monaco-list-row', { hasText: /running · scenario \d\/4/ }).first();
        await group.waitFor({ state: 'visible', timeout: 120_000 });
        log(`  tree: ${(await group.textContent())?.trim()}`);
        assert.match((await group.textContent()) ?? '', /smoke-synthetic/);
        await shot(page, '12-study-running-in-tree');
        const panel = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
        await until(
          'the comparison of the four scenario runs',
          async () => (await panel.locator('vscode-table-row[data-run]').count()) === 4,
          300_000,
          1000,
        );
        const baseline = (await panel.locator('vscode-table-row.baseline').textContent()) ?? '';
        assert.match(baseline, /smoke-synthetic-original/);
        const captions = await panel.locator('.compare-chart figcaption').allTextContents();
        assert.deepEqual(captions, ['Accuracy vs epoch', 'Accuracy vs wall-clock time', 'Loss vs epoch', 'Loss vs wall-clock time']);
        assert.ok((await panel.locator('.compare-chart canvas').count()) >= 2, 'both charts drawn');
        const done = page.locator('.part.sidebar .monaco-list-row', { hasText: 'completed · 4 scenarios' }).first();
        await done.waitFor({ state: 'visible', timeout: 30_000 });
        const studies = readdirSync(join(runsDir, 'studies'));
        assert.equal(studies.length, 1);
        for (const f of ['study.json', 'report.md', 'results.csv', 'accuracy-vs-time.svg', 'accuracy-vs-epoch.svg'])
          assert.ok(existsSync(join(runsDir, 'studies', studies[0], f)), f);
        await page.waitForTimeout(500);
        await shot(page, '13-study-compared');
        await runCommand(page, 'View: Close All Editors');
      });
    }

    await step('Compare runs: the paper-style table and the overlaid curves', async () => {
      const second = sampleRunInfo('20250101-000100-handmade-baseline', {
        name: 'handmade-baseline',
        status: 'completed',
        config: sampleConfig({ model: 'vgg19', dataset: 'synthetic', epochs: 8, decomposeAt: null, reconstructAt: null }),
      });
      writeRunFolder(runsDir, second, sampleMetrics(8, null));
      await openTuckerTrain(page);
      await page.locator('.part.sidebar .monaco-list-row', { hasText: 'handmade-baseline' }).waitFor({ state: 'visible', timeout: 30_000 });
      await runCommand(page, 'Tucker Train: Compare runs');
      const input = page.locator('.quick-input-widget input.input');
      for (const name of ['handmade-vgg19', 'handmade-baseline']) {
        await input.fill(name); // filter down to the one run, then tick it
        const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
        await row.waitFor({ state: 'visible', timeout: 10_000 });
        await page.waitForTimeout(200);
        await row.locator('.quick-input-list-checkbox, input[type=checkbox], .monaco-custom-toggle').first().click();
      }
      await input.fill('');
      await page.locator('.quick-input-widget', { hasText: '2 Selected' }).waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
      const panel = page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
      await panel.locator('vscode-table-row[data-run="20250101-000000-handmade"]').waitFor({ timeout: 30_000 });
      const text = (await panel.locator('vscode-table-row[data-run="20250101-000000-handmade"]').textContent()) ?? '';
      assert.match(text, /1\.\d\d×/, `a speedup against the baseline in: ${text}`);
      await panel.locator('.compare-chart canvas').first().waitFor({ timeout: 10_000 });
      await page.waitForTimeout(500);
      await shot(page, '07-compare-runs');
      await runCommand(page, 'View: Close All Editors');
    });

    await experimentsSteps({ page, runsDir, training: TRAINING, step });

    await step('deleting the shown run folder does not break the dashboard', async () => {
      await page.keyboard.press('Escape');
      await openTuckerTrain(page);
      const row = page.locator('.part.sidebar .monaco-list-row', { hasText: 'handmade-vgg19' }).first();
      await row.click();
      // The first click can go to closing what the previous step left open (a notification, a
      // quick input): click the row again while the dashboard has not switched.
      let clicks = 1;
      await until(
        'the dashboard to show the hand-made run',
        async () => {
          if ((await dashboardState(dash)).runId === '20250101-000000-handmade') return true;
          if (clicks++ % 10 === 0) await row.click();
          return false;
        },
        30_000,
      );
      rmSync(join(runsDir, '20250101-000000-handmade'), { recursive: true, force: true });
      await page.locator('.part.sidebar .monaco-list-row', { hasText: 'handmade-vgg19' }).waitFor({ state: 'detached', timeout: 30_000 });
      await dash.locator('.error', { hasText: 'deleted' }).waitFor({ timeout: 30_000 });
      await shot(page, '08-deleted-run');
    });
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
  if (failures.length) {
    console.error(`\n${failures.length} e2e step(s) failed:\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  log('all e2e steps passed');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
