// `tucker-train stop <runDir>`: scancel for a Slurm run, SIGTERM to the trainer for a local one
// (src/executor/stop.ts, the same code as VS Code's Stop).
import { resolve } from 'node:path';
import { UserError } from '../../core/userError';
import { stopRun } from '../../executor/stop';
import { parseCommandArgs } from '../args';

const HELP = `Usage: tucker-train stop <runDir>

Stops a run: a Slurm run with scancel (a queued job is cancelled and the run marked stopped; a
running trainer gets Slurm's SIGTERM, checkpoints and records 'stopped'), a run on this machine
with SIGTERM to its trainer. Continue it later with 'tucker-train resume <runDir>'.`;

export async function runStop(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('stop', argv, { help: { type: 'boolean' } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UserError("stop needs exactly one run folder: tucker-train stop <runDir>; see 'tucker-train stop --help'");
  const r = await stopRun(resolve(positionals[0]));
  console.log(r.message);
  return 0;
}
