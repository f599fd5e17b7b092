// `tucker-train resume <runDir>`: continues a stopped or failed run from its last checkpoint.
import { UserError } from '../../core/userError';
import { parseTrainArgs } from '../config';
import { resumeRun } from '../../trainer/engine';
import { totalEpochs } from '../../runs/schedule';
import { BACKEND_REQUESTS, type BackendRequest } from '../../runs/types';
import { engineHooks, reportOutcome } from '../engineHooks';

export async function runResume(argv: string[]): Promise<number> {
  const { values, positionals } = parseTrainArgs(argv);
  if (values.help || positionals.length !== 1) {
    if (!values.help) throw new UserError('resume needs exactly one run folder: tucker-train resume <runDir>');
    console.log(
      'Usage: tucker-train resume <runDir> [--backend B] [--ipc] [--quiet]\n\nContinues a stopped or failed run from its last checkpoint with the same schedule;\n--backend continues it on another backend (e.g. after its GPU failed).',
    );
    return 0;
  }
  const backend = values.backend as BackendRequest | undefined;
  if (backend !== undefined && !BACKEND_REQUESTS.includes(backend))
    throw new UserError(`resume: --backend '${backend}' is not one of ${BACKEND_REQUESTS.join(', ')}`);
  let total = 0;
  const { hooks, dispose } = engineHooks(values.ipc === true, values.quiet === true, () => total);
  const inner = hooks.onMessage;
  hooks.onMessage = (m) => {
    if (m.type === 'started') total = totalEpochs(m.run.config);
    inner?.(m);
  };
  try {
    return await reportOutcome(await resumeRun(positionals[0], hooks, { backend }), values.quiet === true);
  } finally {
    dispose();
  }
}
