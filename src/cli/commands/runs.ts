// `tucker-train runs`: the runs of a runs directory, newest first, with the status as it really
// is: a run whose trainer is gone (killed, out of memory, power cut) shows `crashed`, not the
// `running` its run.json still says (runs/reader.ts effectiveState).
import { resolve } from 'node:path';
import { parseCommandArgs } from '../args';
import { UserError } from '../../core/userError';
import { effectiveState, listRunEntries, readRun, type ShownStatus } from '../../runs/reader';
import { totalEpochs } from '../../runs/schedule';
import { systemSlurm, type SlurmCommands } from '../../executor/slurm/commands';
import { reconcileRuns } from '../../executor/slurm/reconcile';

const HELP = `Usage: tucker-train runs [--runs-dir DIR] [--json]

Lists the runs of a runs directory (default ./runs), newest first: status, where it trains (local,\nor slurm and the job id), epochs done, name. Slurm runs whose job ended are brought up to date first\n(squeue/sacct): a job killed at its time limit shows failed with that reason.
A run whose trainer is gone shows 'crashed'; continue it with 'tucker-train resume <runDir>'.`;

export interface RunLine {
  id: string;
  dir: string;
  name: string;
  status: ShownStatus | 'unreadable';
  epochsDone: number;
  epochsTotal: number | null;
  error: string | null;
  /** 'local', or 'slurm' with its job id and what Slurm says now (e.g. "waiting for resources"). */
  executor: 'local' | 'slurm';
  jobId: string | null;
  slurm: string | null;
}

export async function listRuns(runsDir: string, slurm: SlurmCommands = systemSlurm): Promise<RunLine[]> {
  const out: RunLine[] = [];
  const snapshots = await Promise.all((await listRunEntries(runsDir)).map(async (e) => ({ e, r: await readRun(e.dir) })));
  // Slurm runs whose job ended without the trainer closing the run are closed first (src/executor/slurm/reconcile.ts).
  const { updated, live } = await reconcileRuns(
    slurm,
    snapshots.flatMap(({ e, r }) => (r.info ? [{ dir: e.dir, info: r.info }] : [])),
  );
  for (const { e, r } of snapshots) {
    if (!r.info) {
      out.push({
        id: e.id,
        dir: e.dir,
        name: e.id,
        status: 'unreadable',
        epochsDone: 0,
        epochsTotal: null,
        error: r.problems[0] ?? null,
        executor: 'local',
        jobId: null,
        slurm: null,
      });
      continue;
    }
    r.info = updated.get(e.dir) ?? r.info;
    const job = r.info.executor?.kind === 'slurm' ? r.info.executor.slurm : undefined;
    const s = effectiveState(r.info);
    out.push({
      id: e.id,
      dir: e.dir,
      name: r.info.name,
      status: s.status,
      epochsDone: r.metrics.length ? r.metrics[r.metrics.length - 1].epoch : 0,
      epochsTotal: totalEpochs(r.info.config),
      error: s.error,
      executor: job ? 'slurm' : 'local',
      jobId: job?.jobId ?? null,
      slurm: job ? (live.get(e.dir)?.words ?? job.reason ?? null) : null,
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
    const where = l.executor === 'slurm' ? `slurm ${l.jobId ?? '?'}` : 'local';
    console.log(`${l.status.padEnd(10)} ${where.padEnd(12)} ${epochs.padEnd(14)} ${l.id}${l.name !== l.id ? `  (${l.name})` : ''}`);
    if (l.slurm && (l.status === 'queued' || l.status === 'running')) console.log(`           slurm: ${l.slurm}`);
    if (l.error && (l.status === 'failed' || l.status === 'crashed' || l.status === 'unreadable')) console.log(`           ${l.error}`);
  }
  return 0;
}
