// The runs this workspace started, kept in workspaceState: a reloaded window reads them to find
// its trainers again (reloadAdoption.ts). No `vscode` import at run time, so it is unit-tested.
import { STATE_OWNED_RUNS } from './constants';

/** The pid of a candidate found by scanning the runs folder, not one this workspace started. */
export const PID_UNKNOWN = -1;

export interface OwnedRunRecord {
  dir: string;
  /** PID_UNKNOWN for a run folder found by scanning (reloadAdoption.ts). */
  pid: number;
  logFile: string | null;
  name: string;
  totalEpochs: number;
}

/** The records in a stored value; anything malformed (an older or hand-edited state) is dropped. */
export function parseOwnedRuns(v: unknown): OwnedRunRecord[] {
  return Array.isArray(v)
    ? v.filter(
        (r): r is OwnedRunRecord =>
          typeof r === 'object' &&
          r !== null &&
          typeof (r as OwnedRunRecord).dir === 'string' &&
          typeof (r as OwnedRunRecord).pid === 'number',
      )
    : [];
}

/** What remembering needs of a run: its folder and pid are known once the trainer said `started`. */
export interface OwnableRun {
  dir: string | null;
  pid: number | null;
  logFile: string | null;
  name: string;
  totalEpochs: number;
}

/** The part of vscode.Memento (workspaceState) used here. */
export interface StateStore {
  get<T>(key: string, defaultValue: T): T;
  update(key: string, value: unknown): PromiseLike<void>;
}

export class OwnedRuns {
  constructor(private readonly state: StateStore) {}

  list(): OwnedRunRecord[] {
    return parseOwnedRuns(this.state.get<unknown>(STATE_OWNED_RUNS, []));
  }

  async remember(run: OwnableRun): Promise<void> {
    if (!run.dir || run.pid === null) return;
    const rec: OwnedRunRecord = { dir: run.dir, pid: run.pid, logFile: run.logFile, name: run.name, totalEpochs: run.totalEpochs };
    await this.state.update(STATE_OWNED_RUNS, [...this.list().filter((r) => r.dir !== run.dir), rec]);
  }

  async forget(run: OwnableRun): Promise<void> {
    if (!run.dir) return;
    await this.state.update(
      STATE_OWNED_RUNS,
      this.list().filter((r) => r.dir !== run.dir),
    );
  }

  async replaceAll(records: OwnedRunRecord[]): Promise<void> {
    await this.state.update(STATE_OWNED_RUNS, records);
  }
}
