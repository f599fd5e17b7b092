// A new study's folder and first record: one rule for the local runner and the Slurm submitter.
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { newRunId } from '../runs/writer';
import { scenariosOf } from './definition';
import { studyDirOf } from './reader';
import { STUDY_FORMAT_VERSION, type StudyDefinition, type StudyRecord } from './types';

/** A new study's folder (`<runsDir>/studies/<id>`, created) and its first record, not yet written. */
export function newStudyFolder(definition: StudyDefinition, pid: number | null): { dir: string; study: StudyRecord } {
  const id = newRunId(definition.name);
  const dir = studyDirOf(definition.base.runsDir, id);
  mkdirSync(dir, { recursive: true });
  const study: StudyRecord = {
    version: STUDY_FORMAT_VERSION,
    id,
    name: definition.name,
    createdAt: new Date().toISOString(),
    endedAt: null,
    status: 'running',
    pid,
    host: hostname(),
    definition,
    scenarios: scenariosOf(definition),
    report: null,
    error: null,
  };
  return { dir, study };
}
