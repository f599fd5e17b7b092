// Slurm in VS Code (docs/design.md §11): the executor choice of the start flow, the submission
// (the CLI's `train --executor slurm`, so the folder, script and job id are written by the same
// code as in a terminal), and a periodic check that closes the folders of jobs that ended without
// their trainer closing the run (time limit, out of memory, node failure, cancelled).
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { systemSlurm } from '../executor/slurm/commands';
import { jobToCheck, reconcileRuns } from '../executor/slurm/reconcile';
import type { RunService } from './runService';
import type { TrainRequest } from './trainRequest';
import { trainerArgs } from './trainRequest';

export type ExecutorSetting = 'local' | 'slurm';

/** `--executor slurm --slurm-…` from the `tuckerTrain.slurm.*` settings (empty values: the cluster's defaults). */
export function slurmFlags(c: { get<T>(key: string): T | undefined }): string[] {
  const out = ['--executor', 'slurm'];
  const str = (key: string, flag: string) => {
    const v = c.get<string | number | null>(`slurm.${key}`);
    if (v !== undefined && v !== null && String(v).trim() !== '') out.push(`--${flag}`, String(v).trim());
  };
  str('partition', 'slurm-partition');
  str('account', 'slurm-account');
  str('gres', 'slurm-gres');
  str('cpus', 'slurm-cpus');
  str('mem', 'slurm-mem');
  str('time', 'slurm-time');
  str('template', 'slurm-template');
  const extra = c.get<string[]>('slurm.extraArgs');
  if (Array.isArray(extra) && extra.length) out.push('--sbatch-args', extra.join(' '));
  return out;
}

/** Where to train: with `tuckerTrain.executor` = slurm the start flow asks (Slurm first); local: no question. Undefined when cancelled. */
export async function askExecutor(): Promise<ExecutorSetting | undefined> {
  if (vscode.workspace.getConfiguration('tuckerTrain').get<string>('executor', 'local') !== 'slurm') return 'local';
  const pick = await vscode.window.showQuickPick(
    [
      {
        label: '$(server-environment) Submit as a Slurm job',
        detail: 'sbatch with the tuckerTrain.slurm.* settings; the run shows as queued until the job starts',
        value: 'slurm' as const,
      },
      { label: '$(vm) Train here', detail: 'a trainer process on this machine', value: 'local' as const },
    ],
    { title: 'Start decomposed training: where' },
  );
  return pick?.value;
}

/** Submits the request with the CLI; resolves to its answer, rejects with its one-line error (sbatch's words). */
export function submitToSlurm(cliPath: string, request: TrainRequest, cwd: string): Promise<string> {
  const c = vscode.workspace.getConfiguration('tuckerTrain');
  return runCli(cliPath, ['train', ...trainerArgs(request).filter((a) => a !== '--ipc'), ...slurmFlags(c)], cwd);
}

/** Resume of a Slurm run: the CLI submits a new job with the recorded settings; resolves to its answer. */
export function resubmitViaCli(cliPath: string, runDir: string, cwd: string): Promise<string> {
  return runCli(cliPath, ['resume', runDir], cwd);
}

function runCli(cliPath: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Electron's Node when forked from desktop VS Code: ELECTRON_RUN_AS_NODE makes it plain Node.
    const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
    execFile(process.execPath, [cliPath, ...args], { cwd, env, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(/tucker-train: (.*)/.exec(String(stderr))?.[1] ?? (String(stderr).trim() || err.message)));
      else resolve(String(stdout).split('\n')[0]);
    });
  });
}

/** Every 20 s, while some Slurm run's outcome is not recorded: ask Slurm, close ended runs (the watcher then shows them). */
export function watchSlurmRuns(runs: RunService, output: vscode.LogOutputChannel, everyMs = 20_000): vscode.Disposable {
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const entries = (await runs.listRuns()).slice(0, 300);
      const todo = [];
      for (const e of entries) {
        const info = await runs.readInfo(e.id);
        if (info && jobToCheck(info)) todo.push({ dir: runs.runDir(e.id), info });
      }
      if (!todo.length) return;
      const { updated } = await reconcileRuns(systemSlurm, todo);
      for (const [dir, info] of updated) output.info(`${dir}: ${info.status}${info.error ? ` (${info.error})` : ''} (from Slurm)`);
    } catch (e) {
      output.warn(`checking Slurm jobs: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  void tick();
  return { dispose: () => clearInterval(timer) };
}
