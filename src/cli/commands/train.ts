// `tucker-train train`: the terminal and child-process front door of the engine. Forked with an
// IPC channel (--ipc), it also sends every record as a TrainerMessage.
import { UserError } from '../../core/userError';
import { parseTrainArgs, resolveConfig } from '../config';
import { startRun } from '../../trainer/engine';
import { totalEpochs } from '../../runs/schedule';
import { engineHooks, reportOutcome } from '../engineHooks';

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

export async function runTrain(argv: string[]): Promise<number> {
  const { values, positionals } = parseTrainArgs(argv);
  if (values.help) {
    console.log(TRAIN_HELP);
    return 0;
  }
  if (positionals.length)
    throw new UserError(`unexpected argument '${positionals[0]}'; options start with -- (see 'tucker-train train --help')`);
  const config = resolveConfig(values);
  const { hooks, dispose } = engineHooks(values.ipc === true, values.quiet === true, () => totalEpochs(config));
  try {
    return await reportOutcome(await startRun(config, hooks), values.quiet === true);
  } finally {
    dispose();
  }
}
