// Which process owns a run: its pid AND when it started, so a pid the system has since given to
// another process is never taken for the trainer (shown as running, or sent a Stop signal).
// Linux: field 22 of /proc/<pid>/stat (start time in clock ticks since boot) and the boot id;
// elsewhere no start time is known and the pid alone decides (recorded as null).
import { readFileSync } from 'node:fs';

/** The start time of a process as an opaque string ("<boot id>:<ticks>"), or null where unknown. */
export function processStartTime(pid: number, procRoot = '/proc'): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[22 - 3];
    if (!ticks || !/^\d+$/.test(ticks)) return null;
    let boot = '';
    try {
      boot = readFileSync(`${procRoot}/sys/kernel/random/boot_id`, 'utf8').trim();
    } catch {
      /* no boot id: the ticks alone */
    }
    return `${boot}:${ticks}`;
  } catch {
    return null;
  }
}

/** True when a process with this id exists (signal 0 probes without sending anything). */
export function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ProcessProbe {
  exists(pid: number): boolean;
  startTime(pid: number): string | null;
}

export const systemProbe: ProcessProbe = { exists: pidExists, startTime: (pid) => processStartTime(pid) };

/**
 * Whether the process recorded as (pid, start) is still that process. With a recorded start time
 * the pid must exist and have started at that moment; when the start time cannot be read now
 * (another OS, /proc hidden) or was never recorded, the pid alone decides.
 */
export function isSameProcess(pid: number, start: string | null | undefined, probe: ProcessProbe = systemProbe): boolean {
  if (!probe.exists(pid)) return false;
  if (!start) return true;
  const now = probe.startTime(pid);
  return now === null || now === start;
}
