// The dashboard's "elapsed" while a run trains: the run clock of the last epoch record only moves
// once per epoch, so between records it keeps counting from when that record was seen (or, for a
// run never resumed, from run.json's startedAt, exact even for a view opened mid-epoch).

export interface ElapsedInputs {
  running: boolean;
  /** `seconds` of the last epoch record (run clock), null before the first. */
  lastSeconds: number | null;
  /** When the view first saw that record (ms, same clock as `now`). */
  lastSeenAt: number | null;
  startedAt: string | null;
  /** A resumed run's clock excludes the time it was stopped, so startedAt does not give it. */
  resumed: boolean;
}

export function elapsedSeconds(e: ElapsedInputs, now: number): number | null {
  if (!e.running) return e.lastSeconds;
  const started = e.startedAt ? Date.parse(e.startedAt) : NaN;
  if (!e.resumed && Number.isFinite(started)) return Math.max(e.lastSeconds ?? 0, (now - started) / 1000);
  if (e.lastSeconds === null || e.lastSeenAt === null) return e.lastSeconds;
  return e.lastSeconds + Math.max(0, now - e.lastSeenAt) / 1000;
}
