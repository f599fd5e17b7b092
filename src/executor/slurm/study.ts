// A study on Slurm (docs/design.md §11): one job per scenario, all submitted at once — the
// scenarios are independent runs (each trains its own original network, src/study/definition.ts),
// so none waits for another's checkpoint — and one last job, `--dependency=afterany:<all>`, that
// runs `tucker-train study --report <studyDir>` when they have ended, as the local runner writes
// the report after its last scenario (failed ones included). The same command, run by hand,
// rewrites the report after a time-limited scenario was resumed.
import { basename, join, resolve } from 'node:path';
import { UserError } from '../../core/userError';
import { readRunInfoSync } from '../../runs/reader';
import type { RunStatus, SlurmOptions } from '../../runs/types';
import { writeJsonAtomic } from '../../runs/writer';
import { readStudySync, runsDirOfStudy } from '../../study/reader';
import { newStudyFolder } from '../../study/newStudyFolder';
import { writeStudyReport } from '../../study/report';
import { STUDY_FILE, type StudyDefinition, type StudyRecord } from '../../study/types';
import { type SlurmCommands } from './commands';
import { reconcileRuns } from './reconcile';
import { jobNameOf } from './script';
import { submitRun, submitStudyReport, thisCli, type CliInvocation } from './submit';

export interface SubmittedStudy {
  dir: string;
  study: StudyRecord;
  jobs: { key: string; runDir: string; jobId: string }[];
  reportJobId: string;
}

export async function submitStudy(
  cmds: SlurmCommands,
  definition: StudyDefinition,
  options: SlurmOptions,
  cli: CliInvocation = thisCli(),
): Promise<SubmittedStudy> {
  const created = newStudyFolder(definition, null);
  const dir = created.dir;
  let study: StudyRecord = { ...created.study, executor: { kind: 'slurm', reportJobId: null } };
  const save = () => writeJsonAtomic(join(dir, STUDY_FILE), study);
  save();
  const jobs: SubmittedStudy['jobs'] = [];
  for (const [i, sc] of study.scenarios.entries()) {
    let sub;
    try {
      sub = await submitRun(cmds, { ...sc.config, runsDir: definition.base.runsDir }, options, cli);
    } catch (e) {
      // sbatch refused (bad partition or account): every scenario would be refused the same way.
      study = { ...study, status: 'failed', error: (e as Error).message, endedAt: new Date().toISOString() };
      save();
      for (const j of jobs) await cmds.run('scancel', [j.jobId]).catch(() => null);
      throw e;
    }
    jobs.push({ key: sc.key, runDir: sub.runDir, jobId: sub.jobId });
    const scenarios = study.scenarios.slice();
    scenarios[i] = { ...sc, runId: basename(sub.runDir), status: 'queued' };
    study = { ...study, scenarios };
    save();
  }
  const reportJobId = await submitStudyReport(
    cmds,
    dir,
    jobNameOf(`${definition.name}-report`),
    jobs.map((j) => j.jobId),
    options,
    cli,
  );
  study = { ...study, executor: { kind: 'slurm', reportJobId } };
  save();
  return { dir, study, jobs, reportJobId };
}

const FINAL: ReadonlySet<RunStatus | 'pending'> = new Set(['completed', 'failed', 'stopped']);

/**
 * `tucker-train study --report <dir>`: brings the scenarios' runs up to date with Slurm, records
 * their statuses in study.json and writes the report. With a scenario still queued or running it
 * says so and writes nothing.
 */
export async function reportStudy(cmds: SlurmCommands, studyDir: string): Promise<StudyRecord> {
  const dir = resolve(studyDir);
  const study = readStudySync(dir);
  if (!study) throw new UserError(`--report ${studyDir}: no valid ${STUDY_FILE} here; give a study folder (<runsDir>/studies/<id>)`);
  const runsDir = runsDirOfStudy(dir);
  const runs = study.scenarios.flatMap((s) => {
    const info = s.runId ? readRunInfoSync(join(runsDir, s.runId)) : null;
    return info ? [{ dir: join(runsDir, s.runId!), info }] : [];
  });
  await reconcileRuns(cmds, runs);
  const scenarios = study.scenarios.map((s) => ({
    ...s,
    status: s.runId ? (readRunInfoSync(join(runsDir, s.runId))?.status ?? 'failed') : s.status,
  }));
  const open = scenarios.filter((s) => !FINAL.has(s.status));
  let next: StudyRecord = { ...study, scenarios };
  if (open.length) {
    writeJsonAtomic(join(dir, STUDY_FILE), next);
    throw new UserError(
      `--report ${studyDir}: ${open.map((s) => `${s.label} is ${s.status}`).join('; ')}; run 'tucker-train study --report ${dir}' again when they have finished`,
    );
  }
  const report = await writeStudyReport(dir, next, runsDir);
  const failed = scenarios.filter((s) => s.status !== 'completed');
  next = {
    ...next,
    report,
    status: failed.length ? 'failed' : 'completed',
    error: failed.length ? `scenario(s) not completed: ${failed.map((s) => `${s.label} (${s.status})`).join('; ')}` : null,
    endedAt: new Date().toISOString(),
  };
  writeJsonAtomic(join(dir, STUDY_FILE), next);
  return next;
}
