// One trainer child process started by this window: fork, IPC messages, log capture, stop.
// The child's output goes to a log file (not a pipe), and it runs in its own process group, so
// it survives a window reload: the reloaded window finds it again through run.json's pid.
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import * as path from 'node:path';
import type { HostToTrainerMessage, TrainerMessage } from '../protocol';

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TrainerProcessOptions {
  cliPath: string;
  args: string[];
  cwd: string;
  logFile: string;
  onMessage(m: TrainerMessage): void;
  onExit(e: TrainerExit): void;
  onError(e: Error): void;
}

const MESSAGE_TYPES = new Set(['started', 'progress', 'metrics', 'step', 'event', 'finished', 'failed', 'study']);

export function isTrainerMessage(m: unknown): m is TrainerMessage {
  return typeof m === 'object' && m !== null && MESSAGE_TYPES.has((m as { type?: unknown }).type as string);
}

export class TrainerProcess {
  private readonly child: ChildProcess;
  private exited = false;
  private timers: ReturnType<typeof setTimeout>[] = [];

  constructor(readonly options: TrainerProcessOptions) {
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    const fd = openSync(options.logFile, 'a');
    try {
      this.child = fork(options.cliPath, options.args, {
        cwd: options.cwd,
        stdio: ['ignore', fd, fd, 'ipc'],
        detached: true,
        env: { ...process.env, TUCKER_TRAIN_LAUNCHED_BY: 'vscode' },
        execArgv: [],
      });
    } finally {
      closeSync(fd);
    }
    this.child.on('message', (m) => {
      if (isTrainerMessage(m)) options.onMessage(m);
    });
    this.child.on('error', (e) => options.onError(e));
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      for (const t of this.timers) clearTimeout(t);
      options.onExit({ code, signal });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  /**
   * Asks the trainer to stop (IPC `stop`: it finishes the step, writes status `stopped`), then
   * escalates: SIGTERM after `graceMs`, SIGKILL after twice that.
   */
  stop(graceMs = 15_000): void {
    if (this.exited) return;
    const msg: HostToTrainerMessage = { type: 'stop' };
    if (this.child.connected) {
      try {
        this.child.send(msg);
      } catch {
        this.signal('SIGTERM');
      }
    } else {
      this.signal('SIGTERM');
    }
    this.timers.push(setTimeout(() => this.signal('SIGTERM'), graceMs));
    this.timers.push(setTimeout(() => this.signal('SIGKILL'), 2 * graceMs));
  }

  private signal(s: NodeJS.Signals): void {
    if (this.exited) return;
    try {
      this.child.kill(s);
    } catch {
      /* already gone */
    }
  }

  /** Lets the extension host exit without waiting for (or killing) the trainer. */
  detach(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    if (this.child.connected) {
      try {
        this.child.disconnect();
      } catch {
        /* already disconnected */
      }
    }
    this.child.unref();
  }
}

/** Stops a run owned by another process by its pid (pid and start time checked): src/executor/local.ts. */
export { signalPid } from '../executor/local';
