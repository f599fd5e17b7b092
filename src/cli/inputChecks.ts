// Checks of what `train` is given that need the file system, run before any run folder exists
// (docs/design.md §4.1): the model file through our own reader, and the runs directory.
// Nothing here writes: the runs directory is created with the run folder.
import { accessSync, constants, existsSync, readFileSync, statSync, statfsSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { UserError } from '../core/userError';
import { parseModelJson } from '../model/modelJson';
import { checkWeightFilesSync } from '../model/weights';

/** A model given as a path: readable, a TF.js Layers model.json by our reader, its weight files whole and in its folder. */
export function checkModelFile(flag: string, path: string): void {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new UserError(`${flag}: ${path} is a folder; give the path to the model.json inside it`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `${flag}: ${path} not found; give a zoo name or the path to a TensorFlow.js model.json`
        : `${flag}: cannot read ${path} (${code ?? (e as Error).message}); check its permissions`,
    );
  }
  try {
    checkWeightFilesSync(parseModelJson(text, path));
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${flag}: ${e.message}`);
    throw e;
  }
}

/** statfs magic numbers of file systems that hold no files of their own (kernel views, devices). */
const VIRTUAL_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0xcafe4a11: 'bpf',
  0x42494e4d: 'binfmt_misc',
  0x6e736673: 'nsfs',
  0x50495045: 'pipefs',
  0x534f434b: 'sockfs',
  0xf97cff8c: 'selinuxfs',
  0x68737174: 'pstore',
  0xde5e81e4: 'efivarfs',
  0x19800202: 'mqueue',
  0x958458f6: 'hugetlbfs',
};
const VIRTUAL_ROOTS = ['/proc', '/sys', '/dev'];

const WHY: Record<string, string> = {
  EROFS: 'it is on a read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links',
};

/**
 * The runs directory can take run folders: not under a kernel's virtual file system (/proc, /sys,
 * /dev: Node's recursive mkdir spins there), a folder if it exists, and writable — checked on it,
 * or on its nearest existing parent when it is still to be created.
 */
export interface DirProbe {
  statfsType(dir: string): number;
  access(dir: string): void;
}

const systemDirProbe: DirProbe = {
  statfsType: (d) => Number(statfsSync(d).type),
  access: (d) => accessSync(d, constants.W_OK | constants.X_OK),
};

export function checkRunsDir(dir: string, flag = '--runs-dir', probe: DirProbe = systemDirProbe): void {
  const abs = resolve(dir);
  const fail = (why: string) => new UserError(`${flag} ${abs}: ${why}; choose another folder with --runs-dir`);
  if (process.platform === 'linux' && VIRTUAL_ROOTS.some((r) => abs === r || abs.startsWith(r + sep)))
    throw fail(
      `it is inside ${VIRTUAL_ROOTS.find((r) => abs === r || abs.startsWith(r + sep))}, a virtual file system that holds no files`,
    );
  let existing = abs;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    const st = statSync(existing);
    if (existing === abs && !st.isDirectory()) throw new UserError(`${flag} ${abs}: exists and is not a folder`);
    if (!st.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    if (process.platform === 'linux') {
      const fs = VIRTUAL_FS[probe.statfsType(existing)];
      if (fs) throw fail(`it is on a '${fs}' file system, a kernel view that holds no files`);
    }
    probe.access(existing);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const why = WHY[code];
    throw new UserError(
      `${flag} ${abs}: not writable (${why ? `${code}: ${why}` : code || (e as Error).message})${existing !== abs ? `; checked ${existing}, the nearest folder that exists` : ''}; choose another folder with --runs-dir`,
    );
  }
}
