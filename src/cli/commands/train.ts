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
  --model NAME|model.json       small-cnn (default), vgg19, resnet56, resnet56-pad (the paper's: zero-padding
                                shortcuts), densenet40, or a TF.js Layers model
  --dataset SPEC                mnist (default), fashion-mnist (apt-get install dataset-fashion-mnist),
                                fashion-mnist:<folder>, idx:<folder> (MNIST-format files), synthetic,
                                synthetic:HxWxC, cifar10:<folder>
  --train-subset N              train on a fixed class-balanced subset of N images (validation: whole test split)
  --epochs N                    epochs of the main schedule (default 8)
  --decompose-at E|auto         decompose after epoch E (default 3; --baseline for none), or 'auto': when
                                every layer's EVBMF ranks K1, K2 stayed within 10 % (or 1) for 2 epochs
  --auto-min-epoch N (2)  --auto-max-epoch N (half the epochs)   bounds of 'auto'
  --reconstruct-at R            merge back after epoch R (default 7; 'none' to keep decomposed)
  --finetune-after-training F   train all epochs, then decompose and fine-tune F more
  --rank-policy P               vbmf (default), ratio:F, energy:F, stable:F (⌈F × stable rank⌉)
  --keep-first-conv / --no-keep-first-conv   leave the first convolution full-rank (default: keep)
  --switch-lr keep|restart:N    learning rate after decomposing: the schedule as it is (default), or back
                                to --lr and a half cosine over N epochs down to the schedule
  --factor-decay X|off          X·‖G ×₁ U_in ×₂ U_out‖² per decomposed layer instead of weight decay on its
                                factors (X = weight decay / 2 matches the original network's)
  --quantize N                  round ranks up to a multiple of N
  --batch-size N (64)  --lr X (0.05)  --lr-milestones E1,E2 (4,7)  --lr-gamma G (0.1)
  --momentum M (0.9)   --weight-decay W (5e-3; the paper's CIFAR runs use 5e-4)
  --seed N                      (default 1)
  --backend B                   auto (default), tensorflow-gpu, webgpu, tensorflow, wasm, cpu
                                ('tucker-train doctor' says which work here and why not)
  --runs-dir DIR                (default ./runs)   --name NAME (letters of any script, digits, . _ - space)
  --checkpoint-minutes M        a checkpoint at the first epoch end M minutes after the last (default 10;
                                'none' to turn off); the last 2 are kept besides decomposed/reconstructed/final
  --checkpoint-every N          also a checkpoint every N epochs
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
