// `tucker-train train` and `tucker-train resume`: the terminal and child-process front doors of
// the engine. Forked with an IPC channel (--ipc), it also sends every record as a TrainerMessage.
import { isHostToTrainerMessage, type TrainerMessage } from '../protocol';
import { UserError } from '../userError';
import { parseTrainArgs, resolveConfig } from './config';
import { resumeRun, startRun, type EngineHooks, type RunOutcome } from './engine';
import { ProgressBar } from './progress';
import { totalEpochs } from './schedule';
import { formatSummaryTable, summarizeRun } from './summary';

const TRAIN_HELP = `Usage: tucker-train train [options]

Trains a CNN, Tucker-decomposes it after --decompose-at epochs and keeps training the smaller
network; optionally merges it back (--reconstruct-at) and fine-tunes. Writes a run folder.

  --config FILE                 JSON file with the same fields (flags override it)
  --model NAME|model.json       small-cnn (default), vgg19, resnet56, densenet40, or a TF.js Layers model
  --dataset SPEC                mnist (default), synthetic, synthetic:HxWxC, cifar10:<folder>
  --epochs N                    epochs of the main schedule (default 8)
  --decompose-at E              decompose after epoch E (default 3; --baseline for none)
  --reconstruct-at R            merge back after epoch R (default 7; 'none' to keep decomposed)
  --finetune-after-training F   train all epochs, then decompose and fine-tune F more
  --rank-policy P               vbmf (default), ratio:F, energy:F
  --quantize N                  round ranks up to a multiple of N
  --batch-size N (64)  --lr X (0.05)  --lr-milestones E1,E2 (4,7)  --lr-gamma G (0.1)
  --momentum M (0.9)   --weight-decay W (5e-3; the paper's CIFAR runs use 5e-4)
  --seed N                      (default 1)
  --backend B                   auto (default), tensorflow-gpu, tensorflow, wasm, cpu
  --runs-dir DIR                (default ./runs)   --name NAME   --checkpoint-every N
  --baseline                    no decomposition (same as --decompose-at none --reconstruct-at none)

Stop with Ctrl-C (finishes the step, checkpoints, status 'stopped'); continue with
'tucker-train resume <runDir>'.`;

function hooksFor(ipc: boolean, quiet: boolean, total: () => number): { hooks: EngineHooks; dispose: () => void } {
  let stopRequested = false;
  let signals = 0;
  const bar = new ProgressBar(process.stderr, 0);
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) { console.error(`\ntucker-train: second ${sig}: exiting without a checkpoint`); process.exit(130); }
    stopRequested = true;
    bar.clear();
    console.error(`tucker-train: ${sig}: finishing the current step, then checkpointing and stopping (press again to abort)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onIpc = (m: unknown) => { if (isHostToTrainerMessage(m)) stopRequested = true; };
  const send = ipc && typeof process.send === 'function';
  const onChannelError = () => { /* EPIPE after the host left: the run folder is the record */ };
  if (send) { process.on('message', onIpc); process.channel?.on('error', onChannelError); }
  const hooks: EngineHooks = {
    shouldStop: () => stopRequested,
    log: (line) => { bar.clear(); if (!quiet) console.log(line); },
    onMessage: (m: TrainerMessage) => {
      if (m.type === 'progress' && !quiet) {
        bar.totalEpochs = total();
        bar.update(m);
      }
      // The host may go away (window reload): keep training and writing the run folder.
      if (send && process.connected) process.send!(m, undefined, undefined, () => {});
    },
  };
  return {
    hooks,
    dispose: () => {
      bar.clear();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (send) { process.off('message', onIpc); if (process.connected) process.disconnect?.(); }
    },
  };
}

async function report(outcome: RunOutcome, quiet: boolean): Promise<number> {
  if (!quiet) {
    console.log('');
    console.log(formatSummaryTable([await summarizeRun(outcome.runDir)]));
    console.log(`\nrun folder: ${outcome.runDir}`);
  }
  return outcome.status === 'failed' ? 1 : 0;
}

export async function runTrain(argv: string[]): Promise<number> {
  const { values, positionals } = parseTrainArgs(argv);
  if (values.help) { console.log(TRAIN_HELP); return 0; }
  if (positionals.length) throw new UserError(`unexpected argument '${positionals[0]}'; options start with -- (see 'tucker-train train --help')`);
  const config = resolveConfig(values);
  const { hooks, dispose } = hooksFor(values.ipc === true, values.quiet === true, () => totalEpochs(config));
  try {
    return await report(await startRun(config, hooks), values.quiet === true);
  } finally {
    dispose();
  }
}

export async function runResume(argv: string[]): Promise<number> {
  const { values, positionals } = parseTrainArgs(argv);
  if (values.help || positionals.length !== 1) {
    if (!values.help) throw new UserError("resume needs exactly one run folder: tucker-train resume <runDir>");
    console.log('Usage: tucker-train resume <runDir> [--ipc] [--quiet]\n\nContinues a stopped or failed run from its last checkpoint with the same schedule.');
    return 0;
  }
  let total = 0;
  const { hooks, dispose } = hooksFor(values.ipc === true, values.quiet === true, () => total);
  const inner = hooks.onMessage;
  hooks.onMessage = (m) => { if (m.type === 'started') total = totalEpochs(m.run.config); inner?.(m); };
  try {
    return await report(await resumeRun(positionals[0], hooks), values.quiet === true);
  } finally {
    dispose();
  }
}
