// Submitting runs as Slurm jobs (docs/design.md §11). The run folder is written first, with
// status `queued` and the job script in run.json, so the Runs tree shows it at once; the job then
// runs `tucker-train resume --executor local <runDir>`, which adopts that folder (the engine starts
// a queued run from epoch 1, or a resubmitted one from its last checkpoint).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../../core/userError';
import { hostInfo } from '../../runs/hostInfo';
import { CHECKPOINTS_DIR, RUN_FILE, RUN_FORMAT_VERSION, type RunConfig, type RunInfo, type SlurmOptions } from '../../runs/types';
import { newRunId, rewriteRunInfo, writeJsonAtomic } from '../../runs/writer';
import { type SlurmCommands } from './commands';
import { sbatch } from './sbatch';
import { renderJobScript } from './script';

export const JOB_SCRIPT_FILE = 'slurm-job.sh';

/** How a job calls this same CLI: this Node and this cli.js (the runs folder and both must be visible from the nodes). */
export interface CliInvocation {
  node: string;
  cli: string;
  workDir: string;
}

export function thisCli(): CliInvocation {
  // Submitted from VS Code, this process is Electron's Node: a compute node runs the `node` on its PATH instead.
  return { node: process.versions.electron ? 'node' : process.execPath, cli: process.argv[1], workDir: process.cwd() };
}

export interface Submitted {
  runDir: string;
  jobId: string;
  info: RunInfo;
}

/** sbatch's arguments besides the script: output into the folder, the user's extras, a dependency. */
export function sbatchArgsOf(dir: string, options: SlurmOptions, dependency: string | null = null): string[] {
  return [`--output=${join(dir, 'slurm-%j.out')}`, ...(dependency ? [`--dependency=${dependency}`] : []), ...options.extraArgs];
}

/** Writes the job script beside the run and submits it; on refusal the run is marked failed with sbatch's words. */
async function submitFolder(
  cmds: SlurmCommands,
  runDir: string,
  name: string,
  options: SlurmOptions,
  cli: CliInvocation,
  previousJobs: string[],
): Promise<Submitted> {
  const script = renderJobScript({
    jobName: name,
    dir: runDir,
    workDir: cli.workDir,
    command: [cli.node, cli.cli, 'resume', '--executor', 'local', runDir],
    options,
  });
  const args = sbatchArgsOf(runDir, options);
  const scriptFile = join(runDir, JOB_SCRIPT_FILE);
  writeFileSync(scriptFile, script, { mode: 0o755 });
  rewriteRunInfo(runDir, (i) => ({
    ...i,
    executor: {
      kind: 'slurm',
      slurm: {
        jobId: null,
        submittedAt: new Date().toISOString(),
        script,
        sbatchArgs: args,
        options,
        state: null,
        reason: null,
        previousJobs,
      },
    },
  }));
  let jobId: string;
  try {
    jobId = await sbatch(cmds, scriptFile, args);
  } catch (e) {
    const message = (e as Error).message;
    rewriteRunInfo(runDir, (i) => ({ ...i, status: 'failed', error: message, endedAt: new Date().toISOString() }));
    throw e;
  }
  // The job may already have adopted the folder (it records its own SLURM_JOB_ID too): only fill the gap.
  const info = rewriteRunInfo(runDir, (i) =>
    i.executor?.slurm && i.executor.slurm.jobId === null ? { ...i, executor: { ...i.executor, slurm: { ...i.executor.slurm, jobId } } } : i,
  );
  return { runDir, jobId, info };
}

/** A new run folder in `queued` state, then its job. */
export async function submitRun(
  cmds: SlurmCommands,
  config: RunConfig,
  options: SlurmOptions,
  cli: CliInvocation = thisCli(),
): Promise<Submitted> {
  const id = newRunId(config.name);
  const runDir = join(config.runsDir, id);
  const name = config.name ?? `${config.model} on ${config.dataset}`;
  const info: RunInfo = {
    version: RUN_FORMAT_VERSION,
    id,
    name,
    createdAt: new Date().toISOString(),
    startedAt: null,
    endedAt: null,
    status: 'queued',
    pid: null,
    pidStart: null,
    config,
    backend: null,
    host: hostInfo(), // the submitting machine until the job adopts the folder on its node
    error: null,
  };
  try {
    mkdirSync(join(runDir, CHECKPOINTS_DIR), { recursive: true });
    writeJsonAtomic(join(runDir, RUN_FILE), info);
  } catch (e) {
    throw new UserError(
      `--runs-dir ${config.runsDir}: cannot create the run folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return submitFolder(cmds, runDir, name, options, cli, []);
}

/** Submits a new job for an existing run (resume of a stopped, failed or time-limited Slurm run). */
export async function resubmitRun(
  cmds: SlurmCommands,
  runDir: string,
  info: RunInfo,
  options: SlurmOptions,
  cli: CliInvocation = thisCli(),
): Promise<Submitted> {
  const old = info.executor?.slurm;
  const previous = [...(old?.previousJobs ?? []), ...(old?.jobId ? [old.jobId] : [])];
  rewriteRunInfo(runDir, (i) => ({ ...i, status: 'queued', error: null, endedAt: null, pid: null }));
  return submitFolder(cmds, runDir, info.name, options, cli, previous);
}

/** A job that writes a study's report once its scenario jobs have ended (afterany: also after failures, as the local runner does). */
export async function submitStudyReport(
  cmds: SlurmCommands,
  studyDir: string,
  jobName: string,
  scenarioJobs: string[],
  options: SlurmOptions,
  cli: CliInvocation = thisCli(),
): Promise<string> {
  // The report needs no GPU and little time: the scenarios' gres, memory and CPUs are not asked for.
  const reportOptions: SlurmOptions = { ...options, gres: null, cpus: 1, mem: null, time: '15' };
  const script = renderJobScript({
    jobName,
    dir: studyDir,
    workDir: cli.workDir,
    command: [cli.node, cli.cli, 'study', '--report', studyDir],
    options: reportOptions,
  });
  const file = join(studyDir, 'slurm-report.sh');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, script, { mode: 0o755 });
  return sbatch(cmds, file, sbatchArgsOf(studyDir, reportOptions, scenarioJobs.length ? `afterany:${scenarioJobs.join(':')}` : null));
}
