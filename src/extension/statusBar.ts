// Status bar item for the live run: epoch, accuracy, ETA. Click opens the dashboard.
import * as vscode from 'vscode';
import { formatDuration } from '../runs/compare';
import { Throttle } from '../runs/throttle';
import { Commands } from './constants';
import { Disposable } from './dispose';
import type { LiveRun, RunService } from './runService';

export function etaSeconds(run: LiveRun): number | null {
  if (run.progress?.etaSeconds !== undefined && run.progress.etaSeconds !== null) return run.progress.etaSeconds;
  const m = run.lastMetrics;
  if (!m || m.epoch <= 0) return null;
  return Math.max(0, (run.totalEpochs - m.epoch) * m.epochSeconds);
}

export class StatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly throttle: Throttle;

  constructor(private readonly runs: RunService) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('tuckerTrain.status', vscode.StatusBarAlignment.Left, 10));
    this.item.name = 'Tucker Train';
    this.throttle = this._register(new Throttle(() => this.render(), 250));
    this._register(runs.onDidChangeLive(() => this.throttle.schedule()));
    this.render();
  }

  private render(): void {
    const live = this.runs.liveRuns().filter((r) => !r.ended);
    const run = live[live.length - 1];
    if (!run) {
      this.item.hide();
      return;
    }
    const epoch = run.progress?.epoch ?? run.lastMetrics?.epoch ?? 0;
    const acc = run.lastMetrics ? (run.lastMetrics.valAccuracy ?? run.lastMetrics.trainAccuracy) : null;
    const eta = etaSeconds(run);
    const parts = [`${run.stopping ? '$(debug-stop)' : '$(sync~spin)'} ${run.name}`, `epoch ${epoch}/${run.totalEpochs}`];
    if (acc !== null) parts.push(`${(acc * 100).toFixed(1)} %`);
    if (eta !== null) parts.push(`ETA ${formatDuration(eta)}`);
    this.item.text = parts.join(' · ');
    this.item.tooltip = `Tucker Train: ${run.name}${run.stopping ? ' (stopping)' : ''}${live.length > 1 ? ` — ${live.length} runs live` : ''}. Click to open the dashboard.`;
    this.item.command = { command: Commands.show, title: 'Show run', arguments: run.runId ? [run.runId] : [] };
    this.item.show();
  }
}
