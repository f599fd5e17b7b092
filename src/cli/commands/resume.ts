// `tucker-train resume <runDir>`: continues a stopped or failed run from its last checkpoint.
import { UserError } from '../../core/userError';
import { parseTrainArgs } from '../config';
import { resumeRun } from '../../trainer/engine';
import { totalEpochs } from '../../runs/schedule';
import { BACKEND_REQUESTS, type BackendRequest } from '../../runs/types';
import { engineHooks, reportOutcome } from '../engineHooks';
import { resolve } from 'node:path';
import { executorOf, resolveSlurmOptions } from '../../executor/slurm/options';
import { adoptRunInJob, failQueuedRun } from '../../executor/slurm/adopt';
import { systemSlurm } from '../../executor/slurm/commands';
import { reconcileRuns } from '../../executor/slurm/reconcile';
import { resubmitRun } from '../../executor/slurm/submit';
import { readRunInfo } from '../../runs/reader';

/** A Slurm run is resumed by a new job (after its state is brought up to date); null: train it here. */
async function resubmitIfSlurm(runDir: string, values: Record<string, string | boolean | undefined>): Promise<number | null> {
  executorOf(values); // checks the value
  let info = await readRunInfo(runDir);
  if (info?.executor?.kind !== 'slurm' || !info.executor.slurm) {
    if (values.executor === 'slurm') throw new UserError(`${runDir}: not a Slurm run; resume it here (without --executor slurm)`);
    return null;
  }
  info = (await reconcileRuns(systemSlurm, [{ dir: runDir, info }])).updated.get(runDir) ?? info;
  const job = info.executor!.slurm;
  if (info.status === 'completed') throw new UserError(`${runDir}: already completed; nothing to resume`);
  if (info.status === 'queued' || info.status === 'running')
    throw new UserError(`${runDir}: still ${info.status} as Slurm job ${job.jobId}; stop it first (tucker-train stop ${runDir})`);
  const options = resolveSlurmOptions(values, job.options);
  const { jobId } = await resubmitRun(systemSlurm, runDir, info, options);
  console.log(`submitted Slurm job ${jobId}: ${runDir} continues from its last checkpoint (queued)`);
  return 0;
}

export async function runResume(argv: string[]): Promise<number> {
  const { values, positionals } = parseTrainArgs(argv);
  if (values.help || positionals.length !== 1) {
    if (!values.help) throw new UserError('resume needs exactly one run folder: tucker-train resume <runDir>');
    console.log(
      `Usage: tucker-train resume <runDir> [--backend B] [--ipc] [--quiet] [--slurm-* …]\n\nContinues a stopped or failed run from its last checkpoint with the same schedule;\n--backend continues it on another backend (e.g. after its GPU failed).\nA Slurm run (e.g. stopped by its time limit) is submitted again as a new job with its recorded\nsettings; --slurm-time etc. change them, --executor local trains it here instead.`,
    );
    return 0;
  }
  const runDir = resolve(positionals[0]);
  if (values.executor !== 'local') {
    const resubmitted = await resubmitIfSlurm(runDir, values);
    if (resubmitted !== null) return resubmitted;
  } else adoptRunInJob(runDir); // inside the run's Slurm job: record this node and job
  const backend = values.backend as BackendRequest | undefined;
  if (backend !== undefined && !BACKEND_REQUESTS.includes(backend))
    throw new UserError(`resume: --backend '${backend}' is not one of ${BACKEND_REQUESTS.join(', ')}`);
  let total = 0;
  const { hooks, dispose } = engineHooks(values.ipc === true, values.quiet === true, () => total);
  const inner = hooks.onMessage;
  hooks.onMessage = (m) => {
    if (m.type === 'started') total = totalEpochs(m.run.config);
    inner?.(m);
  };
  try {
    return await reportOutcome(await resumeRun(positionals[0], hooks, { backend }), values.quiet === true);
  } catch (e) {
    if (values.executor === 'local') failQueuedRun(runDir, e instanceof Error ? e.message : String(e));
    throw e;
  } finally {
    dispose();
  }
}
