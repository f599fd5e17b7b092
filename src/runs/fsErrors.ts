// File-system failures while writing a run, as one sentence that names the file: Node's own
// message for a failed write ("ENOSPC: no space left on device, write") names none.
const WHY: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
};

export class RunWriteError extends Error {
  override readonly name = 'RunWriteError';
  constructor(
    readonly file: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Wraps an error thrown while writing `file`; a RunWriteError passes through unchanged. */
export function writeError(e: unknown, file: string): Error {
  if (e instanceof RunWriteError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  const path = (e as NodeJS.ErrnoException)?.path;
  if (typeof path === 'string' && path.startsWith(file)) file = path; // the file inside the folder being written
  const why = (code && WHY[code]) ?? (e instanceof Error ? e.message : String(e));
  const advice = code === 'ENOSPC' || code === 'EDQUOT' ? '; free some space, then continue with tucker-train resume' : '';
  return new RunWriteError(file, code, `cannot write ${file}: ${why}${code && WHY[code] ? ` (${code})` : ''}${advice}`);
}

/** Runs a write, turning its failure into a RunWriteError naming `file`. */
export function writing<T>(file: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    throw writeError(e, file);
  }
}
