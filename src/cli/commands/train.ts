// `tucker-train train`: the terminal and child-process front door of the engine. Forked with an
// IPC channel (--ipc), it also sends every record as a TrainerMessage.
import { UserError } from '../../core/userError';
import { parseTrainArgs, resolveConfig } from '../config';
import { startRun } from '../../trainer/engine';
import { totalEpochs } from '../../runs/schedule';
import { engineHooks, reportOutcome } from '../engineHooks';
import { executorOf, resolveSlurmOptions, slurmFlagGiven, SLURM_HELP } from '../../executor/slurm/options';
import { submitRun } from '../../executor/slurm/submit';
import { systemSlurm } from '../../executor/slurm/commands';

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
                                every layer's ranks K1, K2 under --rank-policy (EVBMF for vbmf) stayed
                                within 10 % (or 1) for 2 epochs
  --auto-min-epoch N (2)  --auto-max-epoch N (half the epochs)   bounds of 'auto'
  --reconstruct-at R            merge back after epoch R (default 7; 'none' to keep decomposed)
  --finetune-after-training F   train all epochs, then decompose and fine-tune F more
  --rank-policy P               vbmf (default), ratio:F, energy:F, stable:F (⌈F × stable rank⌉)
  --keep-first-conv / --no-keep-first-conv   leave the first convolution full-rank (default: keep)
  --switch-lr keep|restart:N    learning rate after decomposing: the schedule as it is (default), or back
                                to --lr and a half cosine over N epochs down to the schedule
  --factor-decay X|off          X·‖G ×₁ U_in ×₂ U_out‖² per decomposed layer instead of weight decay on its
                                factors (X = weight decay / 2 matches the original network's)
  --decide measured|flops       per layer, time forward + backward of the original and the decomposed
                                forms on this backend at the batch size and keep the fastest (a layer stays
                                dense unless a decomposed form is ≥ 5 % faster) (default measured); flops:
                                decompose wherever the ranks save (the paper's rule)
  --quantize N|auto             round ranks up to a multiple of N (capped at full rank); auto (needs
                                --decide measured): time the policy's ranks and ranks rounded up to 8
                                (what measured does without --quantize)
  --decompose-pointwise         also split 1×1 convolutions by SVD (Cin→r→Cout; ranks by --rank-policy)
  --decompose-dense             also split Dense layers by SVD (in→r→out)
  --freeze none|sequential[:K]  after decomposing, train one factor group of the decomposed layers at a time
                                (first 1×1, core, last 1×1; K epochs each, default 1); others stay trainable
  --batch-size N (64)  --lr X (0.05)  --lr-milestones E1,E2 (4,7)  --lr-gamma G (0.1)
  --momentum M (0.9)   --weight-decay W (5e-3; the paper's CIFAR runs use 5e-4)
  --seed N                      (default 1)
  --backend B                   auto (default), tensorflow-gpu, webgpu, tensorflow, wasm, cpu
                                ('tucker-train doctor' says which work here and why not)
  --threads N|auto              wasm: threads for convolutions (default auto: the cores available;
                                TUCKER_TRAIN_WASM_THREADS also sets it)
  --runs-dir DIR                (default ./runs)   --name NAME (letters of any script, digits, . _ - space)
  --checkpoint-minutes M        a checkpoint at the first epoch end M minutes after the last (default 10;
                                'none' to turn off); the last 2 are kept besides decomposed/reconstructed/final
  --checkpoint-every N          also a checkpoint every N epochs
  --log-every-steps N           a steps.jsonl record (mean loss/accuracy, images/s, lr) every N steps (50),
                                and after 5 s without one; 0: none
  --baseline                    no decomposition (same as --decompose-at none --reconstruct-at none)
${SLURM_HELP}

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
  const executor = executorOf(values);
  if (executor === 'local' && slurmFlagGiven(values)) throw new UserError(`${slurmFlagGiven(values)} needs --executor slurm`);
  const slurm = executor === 'slurm' ? resolveSlurmOptions(values) : null; // shape checks before the data is opened
  const config = resolveConfig(values);
  if (slurm) {
    const { runDir, jobId } = await submitRun(systemSlurm, config, slurm);
    console.log(`submitted Slurm job ${jobId}: ${runDir} (queued)`);
    console.log(`follow it: tucker-train runs --runs-dir ${config.runsDir}   stop it: tucker-train stop ${runDir}`);
    return 0;
  }
  const { hooks, dispose } = engineHooks(values.ipc === true, values.quiet === true, () => totalEpochs(config));
  try {
    return await reportOutcome(await startRun(config, hooks), values.quiet === true);
  } finally {
    dispose();
  }
}
