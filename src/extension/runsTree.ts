// The Runs tree: every run folder under the runs directory, newest first, a page at a time (so
// thousands of runs cost one directory listing and one run.json read per shown run).
import * as vscode from 'vscode';
import type { RunStatus } from '../runs/types';
import { Commands } from './constants';
import { Disposable } from './dispose';
import type { RunService } from './runService';

const PAGE = 200;

export class RunItem extends vscode.TreeItem {
  constructor(
    readonly runId: string,
    readonly status: RunStatus | 'unknown',
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

type Node = RunItem | MoreItem;

const ICONS: Record<RunStatus | 'unknown', vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  stopped: new vscode.ThemeIcon('debug-stop', new vscode.ThemeColor('charts.yellow')),
  unknown: new vscode.ThemeIcon('question'),
};

export class RunsTreeProvider extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private shown = PAGE;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;

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
    if (parent) return [];
    const entries = await this.runs.listRuns();
    const page = entries.slice(0, this.shown);
    const items = await Promise.all(page.map((e) => this.item(e.id)));
    const out: Node[] = items;
    if (entries.length > page.length) out.push(new MoreItem(entries.length - page.length));
    return out;
  }

  private async item(runId: string): Promise<RunItem> {
    const info = await this.runs.readInfo(runId);
    const state = this.runs.stateOf(runId, info);
    const status = info ? state.status : 'unknown';
    const it = new RunItem(runId, status);
    it.id = runId;
    it.label = info?.name ?? runId;
    it.iconPath = ICONS[status];
    const live = this.runs.liveRun(runId);
    const parts: string[] = [status];
    if (live?.progress) parts.push(`epoch ${live.progress.epoch}/${live.totalEpochs}`);
    else if (info) parts.push(`${info.config.model} · ${info.config.dataset.split(':')[0]}`);
    if (info?.config.decomposeAt === null) parts.push('baseline');
    it.description = parts.join(' · ');
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**${escapeMd(info?.name ?? runId)}** — ${status}\n\n`);
    if (info) {
      tip.appendMarkdown(
        `${escapeMd(info.config.model)} on ${escapeMd(info.config.dataset)}, ${info.config.epochs} epochs, decompose after ${info.config.decomposeAt ?? '—'}, reconstruct after ${info.config.reconstructAt ?? '—'}\n\n`,
      );
      tip.appendMarkdown(`Started ${info.startedAt ?? info.createdAt}${info.backend ? ` on ${escapeMd(info.backend.device)}` : ''}\n\n`);
    }
    if (state.error) tip.appendMarkdown(`$(error) ${escapeMd(state.error)}\n\n`);
    tip.appendMarkdown(`\`${escapeMd(this.runs.runDir(runId))}\``);
    it.tooltip = tip;
    it.contextValue = `run.${status}${state.canStop ? '.stoppable' : ''}`;
    it.command = { command: Commands.open, title: 'Open run', arguments: [runId] };
    return it;
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
