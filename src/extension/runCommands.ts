// Run management from the Runs tree's context menu and the palette: rename (a display name in
// run.json; the folder keeps its id), tag, star, delete (to the trash, after a modal
// confirmation), resume a stopped, failed or crashed run (`tucker-train resume`, forked like a
// started run), and run again (the custom start flow prefilled with the run's configuration).
import * as vscode from 'vscode';
import { UserError } from '../core/userError';
import { parseTags, shownName, withDisplayName, withStar, withTags } from '../runs/annotations';
import type { RunInfo } from '../runs/types';
import { guarded, pickRun, runIdOf, type CommandDeps } from './commands';
import { Commands } from './constants';
import { askTrainRequest, launchRun, showRunProgress, UNTRUSTED_MESSAGE } from './startTraining';
import { initialFromConfig } from './startFlowRules';
import { resubmitViaCli } from './slurmRuns';

const RESUMABLE = new Set(['stopped', 'failed', 'crashed']);

/** The run a command is for: the clicked row, else the tree's selection, else a pick. */
async function target(
  d: CommandDeps,
  arg: unknown,
  title: string,
  filter?: (status: string) => boolean,
): Promise<{ id: string; info: RunInfo } | undefined> {
  const selected = d.treeView.selection.length === 1 ? runIdOf(d.treeView.selection[0]) : undefined;
  const id = runIdOf(arg) ?? selected ?? (await pickRun(d, title, filter));
  if (!id) return undefined;
  const info = await d.runs.readInfo(id);
  if (!info) throw new UserError(`run ${id} has no readable run.json in ${d.runs.runsDir}`);
  return { id, info };
}

function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showErrorMessage(UNTRUSTED_MESSAGE);
  return false;
}

export function registerRunManagement(d: CommandDeps): vscode.Disposable[] {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, guarded(d.output, id, fn));
  return [
    reg(Commands.renameRun, async (arg) => {
      const t = await target(d, arg, 'Rename run');
      if (!t) return undefined;
      const typed = await vscode.window.showInputBox({
        title: `Rename ${shownName(t.info)}`,
        prompt: `The name shown for this run (its folder stays ${t.id}); empty: back to "${t.info.name}"`,
        value: shownName(t.info),
        validateInput: (v) => {
          try {
            withDisplayName(t.info, v);
            return null;
          } catch (e) {
            return e instanceof Error ? e.message : String(e);
          }
        },
      });
      if (typed === undefined) return undefined;
      return shownName(d.runs.annotate(t.id, (i) => withDisplayName(i, typed)));
    }),
    reg(Commands.tagRun, async (arg) => {
      const t = await target(d, arg, 'Tag run');
      if (!t) return undefined;
      const typed = await vscode.window.showInputBox({
        title: `Tags of ${shownName(t.info)}`,
        prompt: 'Comma-separated tags (e.g. baseline, lr-sweep); empty removes them',
        value: (t.info.tags ?? []).join(', '),
        validateInput: (v) => {
          try {
            parseTags(v);
            return null;
          } catch (e) {
            return e instanceof Error ? e.message : String(e);
          }
        },
      });
      if (typed === undefined) return undefined;
      return d.runs.annotate(t.id, (i) => withTags(i, parseTags(typed))).tags ?? [];
    }),
    reg(Commands.starRun, async (arg) => {
      const t = await target(d, arg, 'Star run');
      if (t) d.runs.annotate(t.id, (i) => withStar(i, true));
    }),
    reg(Commands.unstarRun, async (arg) => {
      const t = await target(d, arg, 'Unstar run');
      if (t) d.runs.annotate(t.id, (i) => withStar(i, false));
    }),
    reg(Commands.deleteRun, async (arg) => {
      const t = await target(d, arg, 'Delete run');
      if (!t) return false;
      const state = d.runs.stateOf(t.id, t.info);
      if (state.status === 'running') throw new UserError(`run ${shownName(t.info)} is still running; stop it first, then delete it`);
      const dir = vscode.Uri.file(d.runs.runDir(t.id));
      const ok = await vscode.window.showWarningMessage(
        `Delete run "${shownName(t.info)}"?`,
        { modal: true, detail: `Its folder ${dir.fsPath} (metrics, events and checkpoints) goes to the trash.` },
        'Move to Trash',
      );
      if (ok !== 'Move to Trash') return false;
      try {
        await vscode.workspace.fs.delete(dir, { recursive: true, useTrash: true });
      } catch (e) {
        // Remote and web hosts (code-server) may have no trash: say so, and delete only if asked again.
        const why = e instanceof Error ? e.message : String(e);
        const again = await vscode.window.showWarningMessage(
          `The run could not be moved to the trash (${why}).`,
          { modal: true, detail: `Delete ${dir.fsPath} permanently instead?` },
          'Delete Permanently',
        );
        if (again !== 'Delete Permanently') return false;
        await vscode.workspace.fs.delete(dir, { recursive: true, useTrash: false });
      }
      d.runs.notifyDeleted(t.id);
      return true;
    }),
    reg(Commands.resumeRun, async (arg) => {
      if (!requireTrust()) return undefined;
      const t = await target(d, arg, 'Resume run', (s) => RESUMABLE.has(s));
      if (!t) return undefined;
      const status = d.runs.stateOf(t.id, t.info).status;
      if (!RESUMABLE.has(status))
        throw new UserError(`run ${shownName(t.info)} is ${status}; only a stopped, failed or crashed run can be resumed`);
      const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? d.runs.runsDir;
      if (t.info.executor?.kind === 'slurm') {
        // A new Slurm job continues it (src/executor/slurm/submit.ts); the folder shows queued.
        void vscode.window.showInformationMessage(`Tucker Train: ${await resubmitViaCli(d.cliPath, d.runs.runDir(t.id), cwd)}`);
        return undefined;
      }
      const run = d.runs.resume(t.id, t.info, cwd);
      showRunProgress(d.runs, run);
      d.dashboard.show(t.id);
      return run.pid;
    }),
    reg(Commands.runAgain, async (arg) => {
      if (!requireTrust()) return undefined;
      const t = await target(d, arg, 'Run again');
      if (!t) return undefined;
      const settings = d.settings();
      const request = await askTrainRequest(settings, initialFromConfig(t.info.config, shownName(t.info), d.runs.runsDir));
      if (!request) return undefined;
      const run = await launchRun(d, request, settings.runsDirectory);
      return run.pid;
    }),
  ];
}
