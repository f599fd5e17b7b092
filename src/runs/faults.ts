// Test-only fault injection (test/faults/): `TUCKER_TRAIN_FAULT=<action>:<point>@<n>` makes the
// n-th arrival at a named point kill the process (SIGKILL, `kill`), fail with a full disk
// (`enospc`), or throw where nothing catches it (`uncaught`, from the next turn of the event
// loop). Unset (always, outside the fault tests) every point is a no-op.
const spec = parseFaultSpec(process.env.TUCKER_TRAIN_FAULT);
const arrivals = new Map<string, number>();

export interface FaultSpec {
  action: 'kill' | 'enospc' | 'uncaught';
  point: string;
  n: number;
}

export function parseFaultSpec(v: string | undefined): FaultSpec | null {
  const m = v ? /^(kill|enospc|uncaught):([\w-]+)@(\d+)$/.exec(v) : null;
  return m ? { action: m[1] as FaultSpec['action'], point: m[2], n: Number(m[3]) } : null;
}

/** Marks a point a fault test may stop at; `file` is what an injected ENOSPC names. */
export function faultPoint(point: string, file?: string): void {
  if (!spec || spec.point !== point) return;
  const n = (arrivals.get(point) ?? 0) + 1;
  arrivals.set(point, n);
  if (n !== spec.n) return;
  if (spec.action === 'kill') process.kill(process.pid, 'SIGKILL');
  if (spec.action === 'uncaught') {
    setImmediate(() => {
      throw new Error(`injected fault at ${point}`);
    });
    return;
  }
  const e = new Error(`ENOSPC: no space left on device, write${file ? ` '${file}'` : ''}`) as NodeJS.ErrnoException;
  e.code = 'ENOSPC';
  e.path = file;
  throw e;
}
