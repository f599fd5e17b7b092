// The Runs tree: every run folder under the runs directory, newest first, a page at a time (so
// thousands of runs cost one directory listing and one run.json read per shown run). A study
// (src/study) is a group: its scenarios' runs under it, with its progress.
import { hostname } from 'node:os';
import * as vscode from 'vscode';
import { isProcessAlive, type ShownStatus } from '../runs/reader';
import type { StudyEntry } from '../study/reader';
import type { StudyScenario } from '../study/types';
import { Commands } from './constants';
import { codeSpan, escapeMarkdown } from '../runs/markdown';
import { Disposable } from './dispose';
import type { RunService } from './runService';
import { studyDescription, studyView, type StudyView } from './studyRequest';
import { shownName } from '../runs/annotations';
import { totalEpochs } from '../runs/schedule';
import { MetricsSummaryCache, runRowDescription } from './runRow';

const PAGE = 200;

export class RunItem extends vscode.TreeItem {
  constructor(
    readonly runId: string,
    readonly status: ShownStatus | 'unknown',
  ) {
    super(runId, vscode.TreeItemCollapsibleState.None);
  }
}

class MoreItem extends vscode.TreeItem {
  constructor(remaining: number) {
    super(`Show ${Math.min(remaining, PAGE)} more of ${remaining}…`, vscode.TreeItemCollapsibleState.None);
    this.command = { command: Commands.showMore, title: 'Show more runs' };
    this.iconPath = new vscode.ThemeIcon('ellipsis');
    this.contextValue = 'more';
  }
}

/** A study: collapsible, its scenario runs as children. */
export class StudyItem extends vscode.TreeItem {
  constructor(
    readonly study: StudyEntry,
    readonly view: StudyView,
  ) {
    super(
      study.record.name,
      view.status === 'running' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
  }

  /** The scenarios' run folders that exist so far, in scenario order. */
  get runIds(): string[] {
    return this.study.record.scenarios.map((s) => s.runId).filter((x): x is string => !!x);
  }
}

/** A scenario of a study that has no run folder yet. */
class PendingScenarioItem extends vscode.TreeItem {
  constructor(s: StudyScenario) {
    super(s.label, vscode.TreeItemCollapsibleState.None);
    this.description = 'pending';
    this.iconPath = new vscode.ThemeIcon('circle-large-outline');
    this.contextValue = 'scenario.pending';
  }
}

type Node = RunItem | MoreItem | StudyItem | PendingScenarioItem;

const ICONS: Record<ShownStatus | 'unknown', vscode.ThemeIcon> = {
  queued: new vscode.ThemeIcon('watch', new vscode.ThemeColor('charts.purple')), // a Slurm job waiting to start
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  stopped: new vscode.ThemeIcon('debug-stop', new vscode.ThemeColor('charts.yellow')),
  crashed: new vscode.ThemeIcon('warning', new vscode.ThemeColor('testing.iconFailed')),
  unknown: new vscode.ThemeIcon('question'),
};

export class RunsTreeProvider extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private shown = PAGE;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly summaries = new MetricsSummaryCache();

  constructor(private readonly runs: RunService) {
    super();
    this._register(runs.onDidChangeRuns(() => this.refreshSoon()));
    this._register(runs.onDidChangeLive(() => this.refreshSoon()));
  }

  refresh(): void {
    this._onDidChangeTreeData.fire();
  }

  /** Coalesces bursts of file events into one refresh. */
  private refreshSoon(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.refresh();
    }, 200);
  }

  showMore(): void {
    this.shown += PAGE;
    this.refresh();
  }

  getTreeItem(n: Node): vscode.TreeItem {
    return n;
  }

  async getChildren(parent?: Node): Promise<Node[]> {
    if (parent instanceof StudyItem)
      return Promise.all(
        parent.study.record.scenarios.map((s): Promise<Node> =>
          s.runId ? this.item(s.runId) : Promise.resolve(new PendingScenarioItem(s)),
        ),
      );
    if (parent) return [];
    const [entries, studies] = await Promise.all([this.runs.listRuns(), this.runs.listStudies()]);
    // A study's runs show under it; studies and the other runs share one newest-first list.
    const grouped = new Set(studies.flatMap((st) => st.record.scenarios.map((s) => s.runId)));
    type Top = { mtimeMs: number } & ({ study: StudyEntry } | { study: null; id: string });
    const top: Top[] = [
      ...studies.map((study) => ({ mtimeMs: study.mtimeMs, study })),
      ...entries.filter((e) => !grouped.has(e.id)).map((e) => ({ mtimeMs: e.mtimeMs, study: null, id: e.id })),
    ].sort((a, b) => b.mtimeMs - a.mtimeMs);
    const page = top.slice(0, this.shown);
    const out: Node[] = await Promise.all(page.map((e): Promise<Node> => (e.study ? this.studyItem(e.study) : this.item(e.id))));
    if (top.length > page.length) out.push(new MoreItem(top.length - page.length));
    return out;
  }

  private async studyItem(study: StudyEntry): Promise<StudyItem> {
    const r = study.record;
    const statuses = new Map<string, string>();
    for (const s of r.scenarios) {
      if (!s.runId) continue;
      const info = await this.runs.readInfo(s.runId);
      if (info) statuses.set(s.runId, this.runs.stateOf(s.runId, info).status);
    }
    const live = this.runs.liveRuns().find((l) => !l.ended && l.study?.record.id === r.id);
    const alive = !!live || r.host !== hostname() || r.executor?.kind === 'slurm' || (r.pid !== null && isProcessAlive(r.pid)); // other hosts and Slurm jobs: as written
    const view = studyView(r, (id) => statuses.get(id) ?? null, alive);
    const current = view.current !== null ? r.scenarios[view.current].runId : null;
    const liveRun = current ? this.runs.liveRun(current) : undefined;
    const it = new StudyItem(study, view);
    it.id = `study:${r.id}`;
    it.description = studyDescription(r, view, liveRun?.progress ? { epoch: liveRun.progress.epoch, total: liveRun.totalEpochs } : null);
    it.iconPath =
      view.status === 'completed'
        ? new vscode.ThemeIcon('beaker', new vscode.ThemeColor('testing.iconPassed'))
        : view.status === 'running'
          ? ICONS.running
          : view.status === 'failed'
            ? ICONS.failed
            : ICONS.stopped;
    const d = r.definition.base;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**Study ${escapeMd(r.name)}** — ${view.status}, ${view.done} of ${view.total} scenarios done\n\n`);
    tip.appendMarkdown(
      `${escapeMd(d.model)} on ${escapeMd(d.dataset)}${d.trainSubset ? ` (${d.trainSubset} training images)` : ''}, ${d.epochs} epochs\n\n`,
    );
    if (view.status === 'interrupted' || view.status === 'stopped')
      tip.appendMarkdown(`Continue with ${codeSpan(`tucker-train study --resume ${study.dir}`)}\n\n`);
    if (r.error) tip.appendMarkdown(`$(error) ${escapeMd(r.error)}\n\n`);
    tip.appendMarkdown(codeSpan(study.dir));
    it.tooltip = tip;
    it.contextValue = `study.${view.status}${r.report ? '.report' : ''}`;
    return it;
  }

  private async item(runId: string): Promise<RunItem> {
    const info = await this.runs.readInfo(runId);
    const state = this.runs.stateOf(runId, info);
    const status = info ? state.status : 'unknown';
    this.runs.observeStatus(runId, status); // a CLI run's end shows within seconds (runningProbe.ts)
    const it = new RunItem(runId, status);
    it.id = runId;
    const name = info ? shownName(info) : runId;
    it.label = info?.starred ? `★ ${name}` : name;
    it.iconPath = ICONS[status];
    const live = this.runs.liveRun(runId);
    const summary = await this.summaries.get(this.runs.runDir(runId));
    it.description = info
      ? runRowDescription({
          status,
          summary,
          liveEpoch: live?.progress?.epoch ?? null,
          totalEpochs: totalEpochs(info.config),
          model: info.config.model,
          dataset: info.config.dataset,
          baseline: info.config.decomposeAt === null,
          tags: info.tags ?? [],
        })
      : status;
    // Text from files goes in with appendText, VS Code's own escaping for its renderer (our
    // backslash escapes showed up as literal backslashes in the tree's hover).
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown('**').appendText(name).appendMarkdown(`** — ${status}\n\n`);
    if (info) {
      if (info.displayName) tip.appendText(`started as ${info.name}`).appendMarkdown('\n\n');
      const job = info.executor?.kind === 'slurm' ? info.executor.slurm : undefined; // src/executor: a Slurm run
      if (job) tip.appendText(`Slurm job ${job.jobId ?? '(not submitted)'}${job.reason ? `: ${job.reason}` : ''}`).appendMarkdown('\n\n');
      tip.appendText(
        `${info.config.model} on ${info.config.dataset}, ${totalEpochs(info.config)} epochs, decompose after ${info.config.decomposeAt ?? '—'}, reconstruct after ${info.config.reconstructAt ?? '—'}, ranks ${info.config.rankPolicy}`,
      );
      tip.appendMarkdown('\n\n');
      if (summary?.bestAccuracy != null)
        tip
          .appendText(`best accuracy ${(summary.bestAccuracy * 100).toFixed(2)} %, ${summary.phase ?? ''} after epoch ${summary.lastEpoch}`)
          .appendMarkdown('\n\n');
      tip
        .appendText(`Started ${info.startedAt ?? info.createdAt}${info.backend ? ` on ${info.backend.device}` : ''}`)
        .appendMarkdown('\n\n');
      if (info.tags?.length) tip.appendText(`Tags: ${info.tags.join(', ')}`).appendMarkdown('\n\n');
    }
    if (state.error) tip.appendMarkdown('$(error) ').appendText(state.error).appendMarkdown('\n\n');
    tip.appendMarkdown(codeSpan(this.runs.runDir(runId)));
    it.tooltip = tip;
    it.contextValue = `run.${status}${info?.starred ? '.starred' : ''}${state.canStop ? '.stoppable' : ''}`;
    it.command = { command: Commands.show, title: 'Show run', arguments: [runId] };
    return it;
  }
}

/** Names, paths and messages from run folders are shown as text, never rendered as Markdown. */
const escapeMd = escapeMarkdown;
