// `tucker-train` command line: a thin dispatcher over library calls.
import { UserError, isUserError } from '../core/userError';
import { configureKernels, kernelOptionsFromEnv } from '../core/linalg';
import { releaseNativeResources } from '../trainer/backend/release';

type Command = (argv: string[]) => Promise<number>;

const USAGE = `Usage: tucker-train <command> [options]

Commands:
  train [options]      train a CNN with the decompose-in-training schedule (writes a run folder)
  resume <runDir>      continue a stopped, failed or crashed run from its last checkpoint
  runs [--runs-dir D]  the runs, newest first, with their real status (crashed: the trainer is gone)
  stop <runDir>        stop a run: scancel for a Slurm job, SIGTERM to a local trainer
  study [--preset P]   the paper's scenarios one after another, then report.md, CSV and SVG plots
  ranks <model.json>   per-layer Tucker/SVD ranks and eq. 10/11 estimates
  bench core [--json]  time EVBMF + Tucker-2 on VGG19-CIFAR-shaped kernels
  doctor [--json]      what can train here (backends, GPU adapters) and why not

Run 'tucker-train <command> --help' for a command's options. Add --debug for stack traces.`;

const commands: Record<string, () => Promise<Command>> = {};

/** Registers a subcommand; loaded lazily so `ranks` does not pay for tfjs. */
export function registerCommand(name: string, load: () => Promise<Command>): void {
  commands[name] = load;
}

registerCommand('ranks', async () => (await import('./commands/ranks')).run);
registerCommand('train', async () => (await import('./commands/train')).runTrain);
registerCommand('resume', async () => (await import('./commands/resume')).runResume);
registerCommand('runs', async () => (await import('./commands/runs')).runRuns);
registerCommand('stop', async () => (await import('./commands/stop')).runStop);
registerCommand('bench', async () => (await import('./commands/bench')).run);
registerCommand('study', async () => (await import('./commands/study')).runStudy);
registerCommand('doctor', async () => (await import('./commands/doctor')).run);

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load)
    throw new UserError(`unknown command '${name}'. Commands: ${Object.keys(commands).join(', ') || '(none)'}. See 'tucker-train --help'.`);
  const run = await load();
  return run(rest);
}

if (require.main === module) {
  configureKernels(kernelOptionsFromEnv(process.env)); // TUCKER_TRAIN_NO_WASM=1: JavaScript kernels only
  const argv = process.argv.slice(2);
  const debug = argv.includes('--debug');
  main(argv.filter((a) => a !== '--debug')).then(
    (code) => {
      releaseNativeResources(); // a live Dawn GPU object can keep the process running
      process.exitCode = code;
    },
    (err: unknown) => {
      releaseNativeResources();
      if (isUserError(err) && !debug) {
        console.error(`tucker-train: ${err.message}`);
        process.exitCode = 2;
      } else if (err instanceof Error) {
        console.error(debug ? err.stack : `tucker-train: ${err.message} (run with --debug for details)`);
        process.exitCode = isUserError(err) ? 2 : 1;
      } else {
        console.error(`tucker-train: ${String(err)}`);
        process.exitCode = 1;
      }
    },
  );
}
