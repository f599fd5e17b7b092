// `tucker-train study`: the paper's comparison in one command. Runs every scenario of a preset or
// a study file one after another (src/study/runner.ts), each in a child `train`/`resume` process
// (scenarioProcess.ts), then prints the paper-style table and where the report is. Forked by VS Code with --ipc, it also sends every run's records and each
// study.json change as TrainerMessages.
import { join } from 'node:path';
import { UserError } from '../../core/userError';
import { comparisonToText } from '../../runs/compare';
import { totalEpochs } from '../../runs/schedule';
import { PRESETS } from '../../study/definition';
import { runsDirOfStudy } from '../../study/reader';
import { collectResults } from '../../study/report';
import { resumeStudy, startStudy, type StudyHooks } from '../../study/runner';
import { STUDY_PRESETS } from '../../study/types';
import { parseCommandArgs } from '../args';
import { engineHooks } from '../engineHooks';
import { scenarioProcesses } from '../scenarioProcess';
import { resolveStudy, STUDY_OPTIONS } from '../studyConfig';
import { systemSlurm } from '../../executor/slurm/commands';
import { executorOf, resolveSlurmOptions, slurmFlagGiven, SLURM_HELP } from '../../executor/slurm/options';
import { reportStudy, submitStudy } from '../../executor/slurm/study';

const STUDY_HELP = `Usage: tucker-train study [--preset P] [FILE.study.json] [options]
       tucker-train study --resume <runs-dir>/studies/<id>

Trains the paper's scenarios one after another on one model and data set: the original network;
decomposed after each --decompose-at epoch; decomposed after the first of them and reconstructed
after --reconstruct-at; trained whole, then decomposed and fine-tuned --finetune-after-training
epochs. Each is an ordinary run folder in --runs-dir; <runs-dir>/studies/<id>/study.json lists
them, and when all have run the same folder gets report.md (the paper-style table and the plots),
results.csv, accuracy-vs-time.svg and accuracy-vs-epoch.svg.

Presets (default quick):
${STUDY_PRESETS.map((p) => `  ${p.padEnd(12)} ${PRESETS[p].summary}`).join('\n')}

A study file (JSON, schemas/study.schema.json) has the same fields as the options below in camel
case (decomposeAt: [10, 20], …) plus "preset" and "name"; options override the file, the file the preset.

  --model NAME|model.json       small-cnn, vgg19, resnet56, densenet40, or a TF.js Layers model
  --dataset SPEC                fashion-mnist, fashion-mnist:<folder>, idx:<folder>, cifar10:<folder>, mnist, synthetic
  --train-subset N|none         train on a fixed class-balanced subset of N images
  --epochs E                    epochs of the original schedule
  --decompose-at D1,D2,…|none   one "decomposed after D" scenario each
  --reconstruct-at R|none       a scenario decomposed after D1 and reconstructed after R
  --finetune-after-training F|none  a scenario trained E epochs, then decomposed and fine-tuned F
  --rank-policy P  --quantize N  --decide measured|flops  --batch-size N  --lr X  --lr-milestones E1,E2  --lr-gamma G
  --momentum M  --weight-decay W  --seed N  --backend B
  --runs-dir DIR                (default ./runs)   --name NAME (run names are NAME-<scenario>)
  --resume DIR                  continue an interrupted study: completed scenarios are skipped,
                                a stopped or crashed one resumes from its last checkpoint
  --quiet                       print only the final table
  --report DIR                  (re)write a study's report from its runs as they are (a Slurm study's
                                last job runs this after its scenarios' jobs)
${SLURM_HELP}

Stop with Ctrl-C: the current run checkpoints and stops, and the study with it.`;

export async function runStudy(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('study', argv, STUDY_OPTIONS);
  if (values.help) {
    console.log(STUDY_HELP);
    return 0;
  }
  const quiet = values.quiet === true;
  if (positionals.length > 1)
    throw new UserError(`study: one study file at most (got ${positionals.join(', ')}); see 'tucker-train study --help'`);
  if (values.resume !== undefined) {
    const extra = Object.keys(values).filter(
      (k) => !['resume', 'ipc', 'quiet', 'executor'].includes(k) && values[k as keyof typeof values] !== undefined,
    );
    if (extra.length || positionals.length)
      throw new UserError(
        `study --resume continues with the study's own settings; drop ${extra.length ? `--${extra[0]}` : positionals[0]}`,
      );
  }
  if (values.report !== undefined) {
    if (positionals.length || values.resume !== undefined)
      throw new UserError('study --report takes only the study folder: tucker-train study --report <runs-dir>/studies/<id>');
    const study = await reportStudy(systemSlurm, values.report);
    console.log(`study ${study.status}: report ${join(values.report, study.report?.markdown ?? 'report.md')}`);
    if (study.error) console.log(study.error);
    return study.status === 'failed' ? 1 : 0;
  }
  const executor = executorOf(values);
  if (executor === 'local' && slurmFlagGiven(values)) throw new UserError(`${slurmFlagGiven(values)} needs --executor slurm`);
  if (executor === 'slurm' && values.resume !== undefined)
    throw new UserError(
      "study --resume --executor slurm: resume each unfinished scenario with 'tucker-train resume <runDir>', then 'tucker-train study --report <dir>'",
    );
  const slurm = executor === 'slurm' ? resolveSlurmOptions(values) : null;
  const definition = values.resume === undefined ? resolveStudy(values, positionals[0] ?? null) : null;
  if (slurm && definition) {
    const sub = await submitStudy(systemSlurm, definition, slurm);
    for (const j of sub.jobs) console.log(`submitted Slurm job ${j.jobId}: ${j.key} → ${j.runDir}`);
    console.log(`submitted Slurm job ${sub.reportJobId}: the report, after the scenarios (afterany)`);
    console.log(`study folder: ${sub.dir}`);
    console.log(`follow it: tucker-train runs --runs-dir ${definition.base.runsDir}`);
    return 0;
  }

  let currentTotal = 0;
  const { hooks, dispose } = engineHooks(values.ipc === true, quiet, () => currentTotal);
  const studyHooks: StudyHooks = {
    engine: hooks,
    // Each scenario in a child process of this same CLI: equal start-up costs, separate heaps.
    executor: scenarioProcesses({ cliPath: process.argv[1], log: (line) => hooks.log?.(line), error: (line) => console.error(line) }),
    log: (line) => hooks.log?.(`study: ${line}`),
    onScenario: (scenario) => {
      currentTotal = totalEpochs(scenario.config);
    },
    onStudy: (studyDir, study) => hooks.onMessage?.({ type: 'study', studyDir, study }),
  };
  try {
    const outcome = definition ? await startStudy(definition, studyHooks) : await resumeStudy(values.resume!, studyHooks);
    const { study, dir } = outcome;
    const results = await collectResults(study, runsDirOfStudy(dir));
    console.log('');
    console.log(comparisonToText(results.comparison));
    console.log('');
    if (study.report) console.log(`report: ${join(dir, study.report.markdown)}`);
    console.log(`study ${study.status}: ${dir}`);
    if (study.status === 'stopped') console.log(`continue with: tucker-train study --resume ${dir}`);
    if (study.error) console.log(study.error);
    return study.status === 'failed' ? 1 : 0;
  } finally {
    dispose();
  }
}
