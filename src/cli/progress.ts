// Terminal progress for `tucker-train train`: a redrawn bar on a TTY, nothing between epochs
// otherwise (logs and CI stay readable).
import type { TrainerMessage } from '../protocol';

function fmtTime(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60),
    sec = Math.round(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
}

export class ProgressBar {
  private active = false;
  constructor(
    private stream: NodeJS.WriteStream,
    public totalEpochs: number,
  ) {}

  update(m: Extract<TrainerMessage, { type: 'progress' }>): void {
    if (!this.stream.isTTY) return;
    const width = 24;
    const filled = Math.round((m.step / m.stepsPerEpoch) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const line = `epoch ${m.epoch}/${this.totalEpochs} ${bar} ${m.step}/${m.stepsPerEpoch} loss ${m.loss.toFixed(4)} acc ${(m.accuracy * 100).toFixed(1)}% ${m.imagesPerSecond.toFixed(0)} img/s ETA ${fmtTime(m.etaSeconds)}`;
    this.stream.write(`\r\x1b[2K${line.slice(0, (this.stream.columns || 120) - 1)}`);
    this.active = true;
  }

  /** Clears the bar before a log line is printed. */
  clear(): void {
    if (this.active && this.stream.isTTY) this.stream.write('\r\x1b[2K');
    this.active = false;
  }
}
