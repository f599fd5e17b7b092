// Reading study folders (`<runsDir>/studies/<id>/study.json`) for the CLI's resume and the Runs
// tree. Like the run reader: a missing or invalid file reads as null, never throws.
import { readFileSync, type Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { STUDIES_DIR } from '../runs/types';
import { STUDY_FILE, type StudyRecord } from './types';

const STATUSES = new Set(['running', 'completed', 'stopped', 'failed']);

export function isStudyRecord(v: unknown): v is StudyRecord {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<StudyRecord>;
  return (
    typeof s.id === 'string' &&
    typeof s.name === 'string' &&
    typeof s.status === 'string' &&
    STATUSES.has(s.status) &&
    Array.isArray(s.scenarios) &&
    s.scenarios.every(
      (x) =>
        typeof x === 'object' &&
        x !== null &&
        typeof x.key === 'string' &&
        typeof x.label === 'string' &&
        (x.runId === null || typeof x.runId === 'string'),
    ) &&
    typeof s.definition === 'object' &&
    s.definition !== null
  );
}

function parse(text: string): StudyRecord | null {
  try {
    const v: unknown = JSON.parse(text);
    return isStudyRecord(v) ? v : null;
  } catch {
    return null;
  }
}

export function readStudySync(studyDir: string): StudyRecord | null {
  try {
    return parse(readFileSync(join(studyDir, STUDY_FILE), 'utf8'));
  } catch {
    return null;
  }
}

export async function readStudy(studyDir: string): Promise<StudyRecord | null> {
  try {
    return parse(await readFile(join(studyDir, STUDY_FILE), 'utf8'));
  } catch {
    return null;
  }
}

/** The runs directory a study folder belongs to: `<runsDir>/studies/<id>` → `<runsDir>`. */
export function runsDirOfStudy(studyDir: string): string {
  return dirname(dirname(studyDir));
}

export function studyDirOf(runsDir: string, studyId: string): string {
  return join(runsDir, STUDIES_DIR, studyId);
}

export interface StudyEntry {
  id: string;
  dir: string;
  mtimeMs: number;
  record: StudyRecord;
}

/** The studies of a runs directory, newest first; folders without a valid study.json are skipped. */
export async function listStudies(runsDir: string): Promise<StudyEntry[]> {
  const root = join(runsDir, STUDIES_DIR);
  let names: Dirent[];
  try {
    names = await readdir(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const found = await Promise.all(
    names
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map(async (d): Promise<StudyEntry | null> => {
        const dir = join(root, d.name);
        const record = await readStudy(dir);
        if (!record) return null;
        try {
          return { id: d.name, dir, mtimeMs: (await stat(join(dir, STUDY_FILE))).mtimeMs, record };
        } catch {
          return null;
        }
      }),
  );
  return found.filter((e): e is StudyEntry => e !== null).sort((a, b) => b.mtimeMs - a.mtimeMs || (a.id < b.id ? 1 : -1));
}
