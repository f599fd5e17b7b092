// What `train` and `resume` share: Ctrl-C and IPC stop requests, the progress bar, forwarding
// every record to the host over IPC, and the paper's table at the end.
import { isHostToTrainerMessage, type TrainerMessage } from '../protocol';
import type { EngineHooks, RunOutcome } from '../trainer/engine';
import { compareRuns, comparisonToText } from '../runs/compare';
import { readRun } from '../runs/reader';
import { ProgressBar } from './progress';

/** Hooks for the engine; `dispose` removes the signal and IPC listeners. */
export function engineHooks(ipc: boolean, quiet: boolean, total: () => number): { hooks: EngineHooks; dispose: () => void } {
  let stopRequested = false;
  let signals = 0;
  const bar = new ProgressBar(process.stderr, 0);
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      console.error(`\ntucker-train: second ${sig}: exiting without a checkpoint`);
      process.exit(130);
    }
    stopRequested = true;
    bar.clear();
    console.error(`tucker-train: ${sig}: finishing the current step, then checkpointing and stopping (press again to abort)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onIpc = (m: unknown) => {
    if (isHostToTrainerMessage(m)) stopRequested = true;
  };
  const send = ipc && typeof process.send === 'function';
  const onChannelError = () => {
    /* EPIPE after the host left: the run folder is the record */
  };
  if (send) {
    process.on('message', onIpc);
    process.channel?.on('error', onChannelError);
  }
  const hooks: EngineHooks = {
    shouldStop: () => stopRequested,
    guardProcess: true,
    log: (line) => {
      bar.clear();
      if (!quiet) console.log(line);
    },
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
      if (send) {
        process.off('message', onIpc);
        if (process.connected) process.disconnect?.();
      }
    },
  };
}

export async function reportOutcome(outcome: RunOutcome, quiet: boolean): Promise<number> {
  if (!quiet) {
    console.log('');
    const { info, metrics, events } = await readRun(outcome.runDir);
    if (info) console.log(comparisonToText(compareRuns([{ info, metrics, events }], null)));
    console.log(`\nrun folder: ${outcome.runDir}`);
  }
  return outcome.status === 'failed' ? 1 : 0;
}
