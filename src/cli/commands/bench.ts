// `tucker-train bench core|step|speedup`: core numerics timing here; training-step timings in benchStep and benchSpeedup.
import { parseCommandArgs } from '../args';
import { UserError } from '../../core/userError';
import { benchCore, formatBenchTable } from '../../bench/core/coreBench';
import { parseRankPolicy } from '../../core/rankPolicy';
import { benchCoreParallel, defaultCoreWorkers, enableRelaxedSimd } from '../../bench/core/coreWorkers';

export const BENCH_USAGE = `Usage: tucker-train bench core|step|speedup [options]

  bench core      EVBMF + Tucker-2 timing (below)
  bench step      median ms per training step of a model on a backend ('bench step --help')
  bench speedup   original vs Tucker-decomposed step time, measured and eq. 11 ('bench speedup --help')

Times the numeric core on the 16 conv kernels of VGG19 for CIFAR (3×3, 3→64 … 512→512) with
trained-like synthetic weights (low-rank Tucker kernel + 5% Gaussian noise): per layer, the mode
Grams + EVBMF ranks on both sides, then Tucker-2 (HOSVD + HOOI) at the chosen ranks.

Options:
  --seed N          random seed of the synthetic weights (default 1)
  --rank-policy P   vbmf (default), ratio:F or energy:F with F in (0, 1]
  --layers N        only the first N of the 16 layers (quick runs)
  --workers N       split the layers across N worker threads, largest first (default 2 when the
                    machine has 2+ cores, else 1; 1 = this thread, one layer after another);
                    the total is then wall clock, per-layer times are measured in the workers
  --json            print one JSON object ({totalSeconds, layers, ...}) and nothing else
  -h, --help        this help`;

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'step') return (await import('./benchStep')).runBenchStep(argv.slice(1));
  if (argv[0] === 'speedup') return (await import('./benchSpeedup')).runBenchSpeedup(argv.slice(1));
  const parsed = parseCommandArgs('bench', argv, {
    seed: { type: 'string' },
    layers: { type: 'string' },
    'rank-policy': { type: 'string' },
    workers: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'core') {
    throw new UserError(
      `bench: expected 'core', 'step' or 'speedup', received ${positionals.length ? `'${positionals.join(' ')}'` : 'none'}; see 'tucker-train bench --help'.`,
    );
  }
  let seed = 1;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!/^\d+$/.test(values.seed) || !Number.isSafeInteger(seed)) {
      throw new UserError(`bench: --seed '${values.seed}' must be a non-negative integer.`);
    }
  }
  const policy = values['rank-policy'] !== undefined ? parseRankPolicy(values['rank-policy']) : { kind: 'vbmf' as const };
  let layers: number | undefined;
  if (values.layers !== undefined) {
    layers = Number(values.layers);
    if (!/^\d+$/.test(values.layers) || layers < 1 || layers > 16)
      throw new UserError(`bench: --layers '${values.layers}' must be an integer from 1 to 16.`);
  }
  let workers = defaultCoreWorkers();
  if (values.workers !== undefined) {
    workers = Number(values.workers);
    if (!/^\d+$/.test(values.workers) || workers < 1 || workers > 64)
      throw new UserError(`bench: --workers '${values.workers}' must be an integer from 1 to 64.`);
  }
  workers = Math.min(workers, layers ?? 16); // no more threads than layers
  enableRelaxedSimd(); // fused multiply–add in the WebAssembly kernels where V8 has it behind a flag
  let result;
  if (workers > 1) {
    try {
      result = await benchCoreParallel({ seed, policy, layers, workers });
    } catch (e) {
      if (!/core worker/.test(String((e as Error).message))) throw e;
      // No worker script next to the program (or a thread would not start): one thread then.
      console.error(`bench: ${(e as Error).message}; running the layers in this thread.`);
      result = benchCore({ seed, policy, layers });
    }
  } else result = benchCore({ seed, policy, layers });
  if (values.json) console.log(JSON.stringify(result));
  else console.log(formatBenchTable(result));
  return 0;
}
