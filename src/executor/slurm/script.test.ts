import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../test/support/backend';
import { NO_SLURM_OPTIONS, resolveSlurmOptions } from './options';
import { directivesOf, jobNameOf, renderJobScript, shellQuote } from './script';

const input = {
  jobName: 'vgg19 on cifar10:/data',
  dir: '/shared/runs/20260101-000000-x-abcd',
  workDir: '/home/me/my project',
  command: ['/usr/bin/node', '/opt/tt/dist/cli.js', 'resume', '--executor', 'local', "/shared/runs/it's"],
  options: { ...NO_SLURM_OPTIONS, partition: 'gpu', gres: 'gpu:1', cpus: 8, mem: '32G', time: '2:00:00', account: 'lab' },
};

test('the default job script: #SBATCH lines from the settings, the command shell-quoted, exec so Slurm signals the trainer', () => {
  const s = renderJobScript(input);
  assert.equal(
    s,
    `#!/bin/bash
#SBATCH --job-name=vgg19-on-cifar10-data
#SBATCH --partition=gpu
#SBATCH --account=lab
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=8
#SBATCH --mem=32G
#SBATCH --time=2:00:00
# Written by tucker-train for /shared/runs/20260101-000000-x-abcd
# Add what your cluster needs before the command (module load nodejs, a conda env, …):
# copy this file, edit it and pass it with --slurm-template (VS Code: tuckerTrain.slurm.template).
set -e
cd '/home/me/my project'
exec /usr/bin/node /opt/tt/dist/cli.js resume --executor local '/shared/runs/it'\\''s'
`,
  );
  assert.deepEqual(
    directivesOf({ ...input, options: NO_SLURM_OPTIONS }),
    ['#SBATCH --job-name=vgg19-on-cifar10-data'],
    'the cluster decides what is not set',
  );
});

test('a user template: variables filled in; unknown variables and a template without {{command}} refused by name', () => {
  const dir = tempDir('tucker-tpl-');
  const tpl = join(dir, 'job.sh');
  writeFileSync(tpl, '#!/bin/bash\n{{directives}}\nmodule load nodejs/20\n# {{ jobName }} in {{runDir}}\n{{command}}\n');
  const options = resolveSlurmOptions({ 'slurm-template': tpl, 'slurm-time': '30' });
  const s = renderJobScript({ ...input, options });
  assert.match(
    s,
    /^#!\/bin\/bash\n#SBATCH --job-name=vgg19-on-cifar10-data\n#SBATCH --time=30\nmodule load nodejs\/20\n# vgg19-on-cifar10-data in \/shared\/runs\//,
  );
  assert.match(s, /\n\/usr\/bin\/node \/opt\/tt\/dist\/cli\.js resume/);
  writeFileSync(tpl, '{{directives}}\n{{cmd}}\n{{command}}\n');
  assert.throws(
    () => resolveSlurmOptions({ 'slurm-template': tpl }),
    /--slurm-template .*job\.sh: unknown variable \{\{cmd\}\}; known: \{\{directives\}\}/,
  );
  writeFileSync(tpl, '#!/bin/bash\npython train.py\n');
  assert.throws(() => resolveSlurmOptions({ 'slurm-template': tpl }), /must contain \{\{command\}\}/);
  assert.throws(() => resolveSlurmOptions({ 'slurm-template': join(dir, 'nope.sh') }), /--slurm-template .*nope\.sh: file not found/);
});

test('shell quoting and job names', () => {
  assert.equal(shellQuote('/a/b-c_d.e'), '/a/b-c_d.e');
  assert.equal(shellQuote('a b'), "'a b'");
  assert.equal(shellQuote("$(rm -rf ~)'"), `'$(rm -rf ~)'\\'''`);
  assert.equal(jobNameOf('été 実験 run'), 't-run');
  assert.equal(jobNameOf('***'), 'tucker-train');
  assert.equal(jobNameOf('x'.repeat(100)).length, 64);
});

test('Slurm settings: bad values refused, naming the flag and what to give', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'slurm-cpus': '0' }, /UserError: --slurm-cpus: '0' must be a whole number of CPUs/],
    [{ 'slurm-cpus': 'four' }, /UserError: --slurm-cpus: 'four'/],
    [{ 'slurm-mem': '16 GB' }, /UserError: --slurm-mem: '16 GB' must be a size such as '16G'/],
    [{ 'slurm-time': '2h' }, /UserError: --slurm-time: '2h' must be a time limit: minutes, 'H:MM:SS' or 'D-HH:MM:SS'/],
    [{ 'slurm-partition': 'gpu; rm -rf /' }, /UserError: --slurm-partition: 'gpu; rm -rf \/' must be one word/],
    [{ 'slurm-gres': 'gpu 1' }, /UserError: --slurm-gres: 'gpu 1' must be a generic resource such as 'gpu:1'/],
    [{ 'sbatch-args': 'qos=high' }, /UserError: --sbatch-args: 'qos=high' is not an sbatch option; write --name=value/],
    [{ 'sbatch-args': '--comment="a b"' }, /UserError: --sbatch-args: '--comment="a' *: no quotes or shell characters/],
    [{ 'sbatch-args': '--output=/tmp/x' }, /UserError: --sbatch-args: '--output=\/tmp\/x' is set by tucker-train itself/],
  ];
  for (const [values, re] of cases) assert.throws(() => resolveSlurmOptions(values), re, JSON.stringify(values));
  for (const t of ['30', '1:30', '2:00:00', '1-00:00:00', '3-12', 'UNLIMITED'])
    assert.equal(resolveSlurmOptions({ 'slurm-time': t }).time, t);
  assert.deepEqual(resolveSlurmOptions({ 'sbatch-args': ' --qos=high  --constraint=a100 ' }).extraArgs, [
    '--qos=high',
    '--constraint=a100',
  ]);
  // A resume keeps the recorded settings and changes only what is given.
  const base = { ...NO_SLURM_OPTIONS, partition: 'gpu', time: '1' };
  assert.deepEqual(resolveSlurmOptions({ 'slurm-time': '10' }, base), { ...base, time: '10' });
});
