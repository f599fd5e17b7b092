// Starting a real VS Code (code-server 4.100.3, installed by setup.sh) with the packaged extension,
// and driving it with playwright-core in Debian's headless Chromium (docs/design.md §7.4).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '../..');
export const E2E_DIR = process.env.TUCKER_E2E_DIR ?? join(ROOT, '.e2e');
export const CS_VERSION = process.env.CODE_SERVER_VERSION ?? '4.100.3';
export const OUT_DIR = join(ROOT, '.test-output', 'e2e');
const CS_ENTRY = join(E2E_DIR, `code-server-${CS_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function log(msg: string): void {
  console.log(`[e2e ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

export function packageExtension(): string {
  const vsix = join(E2E_DIR, 'tucker-train.vsix');
  const vsce = join(ROOT, 'node_modules', '.bin', 'vsce');
  const r = spawnSync(
    vsce,
    ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', vsix],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`vsce package failed:\n${r.stdout}\n${r.stderr}`);
  return vsix;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface CodeServer {
  url: string;
  workspace: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A fresh profile + extensions dir, the vsix installed, code-server listening on a free port. */
export async function startCodeServer(vsix: string, workspace: string, userSettings: Record<string, unknown>): Promise<CodeServer> {
  if (!existsSync(CS_ENTRY)) throw new Error(`code-server ${CS_VERSION} is not installed at ${CS_ENTRY}; run test/e2e/setup.sh`);
  const profile = join(E2E_DIR, 'profile');
  rmSync(profile, { recursive: true, force: true });
  const userData = join(profile, 'user-data');
  const extensions = join(profile, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions, { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  const common = ['--extensions-dir', extensions, '--user-data-dir', userData];
  const inst = spawnSync(process.execPath, [CS_ENTRY, ...common, '--install-extension', vsix], { encoding: 'utf8', timeout: 120_000 });
  if (inst.status !== 0) throw new Error(`installing the extension failed:\n${inst.stdout}\n${inst.stderr}`);
  log(`installed ${vsix}`);
  const port = await freePort();
  const logFile = join(OUT_DIR, 'code-server.log');
  const out = await import('node:fs').then((fs) => fs.openSync(logFile, 'w'));
  const proc = spawn(
    process.execPath,
    [
      CS_ENTRY,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      ...common,
      workspace,
    ],
    { stdio: ['ignore', out, out], detached: true },
  );
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  const t0 = Date.now();
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (proc.exitCode !== null) throw new Error(`code-server exited with ${proc.exitCode}; see ${logFile}`);
    if (Date.now() - t0 > 60_000) throw new Error(`code-server did not answer within 60 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`code-server ${CS_VERSION} on port ${port}`);
  return {
    url,
    workspace,
    process: proc,
    stop: async () => {
      try {
        process.kill(-proc.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
      await new Promise((r) => setTimeout(r, 500));
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.waitForSelector('div.monaco-workbench', { timeout: 90_000 });
  // Wait for the extension host: the status bar and the activity bar are rendered.
  await page.waitForSelector('.part.activitybar', { timeout: 60_000 });
}

/** Runs a command from the palette by its title (F1, type, Enter on the matching item). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page
    .locator('div.monaco-workbench')
    .click({ position: { x: 600, y: 5 } })
    .catch(() => undefined);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${title}`);
  const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await item.waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/** Picks a quick pick item by (part of) its label. */
export async function pickQuickItem(page: Page, text: string): Promise<void> {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
}

/** The content of a webview view, two frames deep (iframe.webview.ready -> #active-frame). */
export function webviewFrame(page: Page, title: string): FrameLocator {
  return page.frameLocator(`iframe.webview.ready[title="${title}"], iframe.webview.ready`).first().frameLocator('#active-frame');
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  everyMs = 500,
): Promise<T> {
  const t0 = Date.now();
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
