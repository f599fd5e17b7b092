// `tucker-train runs`: the runs of a runs directory, newest first, with the status as it really
// is: a run whose trainer is gone (killed, out of memory, power cut) shows `crashed`, not the
// `running` its run.json still says (runs/reader.ts effectiveState).
import { resolve } from 'node:path';
import { parseCommandArgs } from '../args';
import { UserError } from '../../core/userError';
import { effectiveState, listRunEntries, readRun, type ShownStatus } from '../../runs/reader';
import { totalEpochs } from '../../runs/schedule';

const HELP = `Usage: tucker-train runs [--runs-dir DIR] [--json]

Lists the runs of a runs directory (default ./runs), newest first: status, epochs done, name.
A run whose trainer is gone shows 'crashed'; continue it with 'tucker-train resume <runDir>'.`;

export interface RunLine {
  id: string;
  dir: string;
  name: string;
  status: ShownStatus | 'unreadable';
  epochsDone: number;
  epochsTotal: number | null;
  error: string | null;
}

export async function listRuns(runsDir: string): Promise<RunLine[]> {
  const out: RunLine[] = [];
  for (const e of await listRunEntries(runsDir)) {
    const r = await readRun(e.dir);
    if (!r.info) {
      out.push({ id: e.id, dir: e.dir, name: e.id, status: 'unreadable', epochsDone: 0, epochsTotal: null, error: r.problems[0] ?? null });
      continue;
    }
    const s = effectiveState(r.info);
    out.push({
      id: e.id,
      dir: e.dir,
      name: r.info.name,
      status: s.status,
      epochsDone: r.metrics.length ? r.metrics[r.metrics.length - 1].epoch : 0,
      epochsTotal: totalEpochs(r.info.config),
      error: s.error,
    });
  }
  return out;
}

export async function runRuns(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('runs', argv, {
    'runs-dir': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length) throw new UserError(`runs: unexpected argument '${positionals[0]}'; see 'tucker-train runs --help'`);
  const lines = await listRuns(resolve(values['runs-dir'] ?? 'runs'));
  if (values.json) {
    console.log(JSON.stringify(lines, null, 2));
    return 0;
  }
  if (!lines.length) console.log('no runs');
  for (const l of lines) {
    const epochs = l.epochsTotal === null ? '' : `${l.epochsDone}/${l.epochsTotal} epochs`;
    console.log(`${l.status.padEnd(10)} ${epochs.padEnd(14)} ${l.id}${l.name !== l.id ? `  (${l.name})` : ''}`);
    if (l.error && (l.status === 'failed' || l.status === 'crashed' || l.status === 'unreadable')) console.log(`           ${l.error}`);
  }
  return 0;
}
