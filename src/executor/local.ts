// Runs trained on this machine: the trainer process recorded in run.json (pid and start time,
// runs/processIdentity.ts) is stopped by a signal. One implementation for the CLI's `stop` and
// VS Code's Stop of a run it did not start.
import { isSameProcess, systemProbe, type ProcessProbe } from '../runs/processIdentity';

/**
 * Signals a run's trainer by its pid — only when that pid still belongs to the process that
 * started the run (`pidStart`): a pid reused by an unrelated process is never signalled. False
 * when nothing was sent.
 */
export function signalPid(
  pid: number,
  signal: NodeJS.Signals = 'SIGTERM',
  pidStart: string | null = null,
  probe: ProcessProbe = systemProbe,
): boolean {
  if (!isSameProcess(pid, pidStart, probe)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
