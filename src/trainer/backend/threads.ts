// How many threads the wasm backend computes convolutions with (docs/design.md §6.3): the
// --threads flag (or a run's `threads`), else TUCKER_TRAIN_WASM_THREADS, else the cores this
// process may use — the smaller of os.availableParallelism() and a cgroup CPU quota — so a
// second core does not sit idle by default. Each thread beyond the main one is a worker with its
// own wasm heap that takes a share of the batch; the automatic choice stops at AUTO_CAP because
// batch shares shrink and more was never measured here.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { UserError } from '../../core/userError';

export const MAX_WASM_THREADS = 64;
export const AUTO_CAP = 8;
export const THREADS_ENV = 'TUCKER_TRAIN_WASM_THREADS';

export interface ThreadChoice {
  threads: number;
  /** Why, in words, for the run header and run.json. */
  reason: string;
}

/** The CPU quota of this process's cgroup in cores (v2 `cpu.max`, v1 `cfs_quota_us/cfs_period_us`); null: none set. */
export function cgroupCpuQuota(read: (path: string) => string | null = readOrNull): number | null {
  const v2 = read('/sys/fs/cgroup/cpu.max');
  if (v2 !== null) {
    const [quota, period] = v2.trim().split(/\s+/);
    if (quota === 'max') return null;
    const q = Number(quota),
      p = Number(period ?? 100000);
    return q > 0 && p > 0 ? q / p : null;
  }
  const q = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')?.trim());
  const p = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')?.trim());
  return Number.isFinite(q) && q > 0 && Number.isFinite(p) && p > 0 ? q / p : null;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The thread count and why. `requested`: the flag or the run's setting (with where it came
 * from); `env`: the environment variable's text; `cores`/`quota`: what this machine allows.
 */
export function chooseWasmThreads(input: {
  requested?: { threads: number; from: string } | null;
  env?: string | undefined;
  cores?: number;
  quota?: number | null;
}): ThreadChoice {
  if (input.requested) {
    const { threads, from } = input.requested;
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS)
      throw new UserError(`${from}: wasm threads must be an integer from 1 to ${MAX_WASM_THREADS} (got ${threads})`);
    return { threads, reason: from };
  }
  if (input.env !== undefined && input.env.trim() !== '') {
    const n = Number(input.env);
    if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS)
      throw new UserError(`${THREADS_ENV}=${input.env}: wasm threads must be an integer from 1 to ${MAX_WASM_THREADS}; fix or unset it`);
    return { threads: n, reason: `${THREADS_ENV}=${input.env}` };
  }
  const cores = input.cores ?? availableParallelism();
  const quota = input.quota === undefined ? cgroupCpuQuota() : input.quota;
  const allowed = quota === null ? cores : Math.max(1, Math.min(cores, Math.floor(quota)));
  const threads = Math.min(allowed, AUTO_CAP);
  const why = [`${cores} core${cores === 1 ? '' : 's'} available`];
  if (quota !== null) why.push(`cgroup CPU quota ${Number(quota.toFixed(2))}`);
  if (threads < allowed) why.push(`capped at ${AUTO_CAP}`);
  return { threads, reason: `automatic: ${why.join(', ')}; --threads or ${THREADS_ENV} overrides` };
}
