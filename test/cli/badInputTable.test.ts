// Every bad input to `tucker-train train` is refused before a run folder exists (issue 15): one
// line that names the flag, file or config field (a UserError: the CLI prints it and exits 2),
// and nothing created in the runs directory. The CLI's main() is called in-process (a spawn per
// case would take minutes); a few spawned cases at the end check the exit code and stderr.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { isUserError } from '../../src/core/userError';
import { tempDir, useWasm } from '../support/backend';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'models', 'small-cnn');

let work = '';
before(async () => {
  await useWasm();
  work = tempDir('tucker-bad-');
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A file under the case's scratch folder. */
function put(dir: string, name: string, content: string | Buffer): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
  return p;
}

/** Parsed model.json, edited freely by the cases (any shape a hostile file could have). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyJson = Record<string, any>;

/** A copy of the small-cnn fixture with its model.json changed by `edit` (and weights.bin by `weights`). */
function model(dir: string, edit: (j: AnyJson) => void = () => {}, weights?: (b: Buffer) => Buffer): string {
  const j = JSON.parse(readFileSync(join(FIXTURE, 'model.json'), 'utf8')) as AnyJson;
  edit(j);
  const w = readFileSync(join(FIXTURE, 'weights.bin'));
  put(dir, 'm/weights.bin', weights ? weights(w) : w);
  return put(dir, 'm/model.json', JSON.stringify(j));
}

const CIFAR = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
function cifar(dir: string, change: (name: string) => Buffer | null = () => Buffer.alloc(3073 * 2)): string {
  const d = join(dir, 'cifar');
  mkdirSync(d, { recursive: true });
  for (const f of CIFAR) {
    const b = change(f);
    if (b) writeFileSync(join(d, f), b);
  }
  return d;
}

function config(dir: string, fields: Record<string, unknown> | string): string {
  return put(dir, 'run.tucker.json', typeof fields === 'string' ? fields : JSON.stringify(fields));
}

interface Case {
  name: string;
  /** Flags after `train`; `dir` is the case's scratch folder. */
  args: (dir: string) => string[];
  /** The one line must match: it names the flag, file or field. */
  expect: RegExp | ((dir: string) => RegExp);
  /** The runs directory to pass (default: an empty folder of the case's own). */
  runsDir?: (dir: string) => string;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const flag = (name: string, value: string, expect: RegExp): Case => ({
  name: `${name} ${JSON.stringify(value)}`,
  args: () => [name, value],
  expect,
});

const CASES: Case[] = [
  // ---- numbers and choices (flags) ----
  flag('--epochs', '-1', /^--epochs: -1 must be at least 1$/),
  flag('--epochs', '0', /^--epochs: 0 must be at least 1$/),
  flag('--epochs', '1.5', /^--epochs: '1\.5' is not an integer$/),
  flag('--epochs', 'ten', /^--epochs: 'ten' is not an integer$/),
  flag('--epochs', '', /^--epochs: '' is not an integer$/),
  flag('--epochs', '1e400', /^--epochs: '1e400' is not an integer$/),
  flag('--epochs', 'NaN', /^--epochs: 'NaN' is not an integer$/),
  flag('--epochs', '-Infinity', /^--epochs: '-Infinity' is not an integer$/),
  flag('--batch-size', '0', /^--batch-size: 0 must be at least 1$/),
  flag('--batch-size', '-5', /^--batch-size: -5 must be at least 1$/),
  flag('--batch-size', '9000', /^--batch-size: 9000 must be at most 8192$/),
  flag('--batch-size', '2.5', /^--batch-size: '2\.5' is not an integer$/),
  flag('--lr', '0', /^--lr: 0 must be greater than 0$/),
  flag('--lr', '-0.1', /^--lr: -0\.1 must be greater than 0$/),
  flag('--lr', 'abc', /^--lr: 'abc' is not a number$/),
  flag('--lr', 'Infinity', /^--lr: 'Infinity' is not a number$/),
  flag('--lr-gamma', '0', /^--lr-gamma: 0 must be greater than 0$/),
  flag('--lr-gamma', '1.5', /^--lr-gamma: 1\.5 must be at most 1$/),
  flag('--lr-milestones', '4,x', /^--lr-milestones: 'x' is not an integer$/),
  flag('--lr-milestones', '0', /^--lr-milestones: 0 must be at least 1$/),
  flag('--lr-milestones', '-3', /^--lr-milestones: -3 must be at least 1$/),
  flag('--momentum', '1', /^--momentum: 1 must be at most 0\.999$/),
  flag('--momentum', '-0.1', /^--momentum: -0\.1 must be at least 0$/),
  flag('--weight-decay', '-1', /^--weight-decay: -1 must be at least 0$/),
  flag('--seed', '-1', /^--seed: -1 must be at least 0$/),
  flag('--seed', '1.5', /^--seed: '1\.5' is not an integer$/),
  flag('--quantize', '0', /^--quantize: 0 must be at least 1$/),
  flag('--quantize', '-2', /^--quantize: -2 must be at least 1$/),
  flag('--quantize', 'eight', /^--quantize: 'eight' is not an integer; give N ≥ 1 \(e\.g\. 8 or 16\), 'auto' or 'none'$/),
  flag('--quantize', '2.5', /^--quantize: '2\.5' is not an integer/),
  flag('--decide', 'fast', /^--decide: 'fast' is not one of measured \(.*\), flops \(.*\)$/),
  flag('--decide', '', /^--decide: '' is not one of measured/),
  {
    name: '--quantize auto with --decide flops',
    args: () => ['--quantize', 'auto', '--decide', 'flops'],
    expect: /^--quantize: 'auto' is the measured choice .* it needs --decide measured \(or give a number\)$/,
  },
  {
    name: 'config file: decide not a choice',
    args: (d) => ['--config', config(d, { decide: 'time' })],
    expect: /run\.tucker\.json: 'decide': 'time' is not one of measured/,
  },
  {
    name: 'config file: decomposePointwise not a boolean',
    args: (d) => ['--config', config(d, { decomposePointwise: 'yes' })],
    expect: /run\.tucker\.json: 'decomposePointwise': expected true or false$/,
  },
  {
    name: "config file: quantize 'auto' with decide flops",
    args: (d) => ['--config', config(d, { quantize: 'auto', decide: 'flops' })],
    expect: /run\.tucker\.json: 'quantize': 'auto' is the measured choice/,
  },
  flag('--checkpoint-every', '0', /^--checkpoint-every: 0 must be at least 1$/),
  flag('--checkpoint-every', 'x', /^--checkpoint-every: 'x' is not an integer$/),
  flag('--decompose-at', '-1', /^--decompose-at: -1 must be at least 0$/),
  flag('--decompose-at', '8', /^--decompose-at: 8 must be below --epochs \(8\)/),
  flag('--decompose-at', 'x', /^--decompose-at: 'x' is not an integer$/),
  flag('--reconstruct-at', '3', /^--reconstruct-at: 3 must be after --decompose-at \(3\)/),
  flag('--reconstruct-at', '9', /^--reconstruct-at: 9 must be at most --epochs \(8\)/),
  flag('--reconstruct-at', '0', /^--reconstruct-at: 0 must be at least 1$/),
  flag('--finetune-after-training', '0', /^--finetune-after-training: 0 must be at least 1$/),
  flag('--freeze', 'all', /^--freeze: 'all' must be 'none', 'sequential' or 'sequential:K'/),
  flag('--freeze', 'sequential:0', /^--freeze: 'sequential:0' must be /),
  {
    name: '--freeze sequential on a baseline',
    args: () => ['--freeze', 'sequential', '--baseline'],
    expect: /^--freeze: 'sequential' freezes the factors of a decomposed network; give --decompose-at/,
  },
  flag('--threads', '0', /^--threads: 0 must be at least 1$/),
  flag('--threads', 'two', /^--threads: 'two' is not an integer$/),
  flag('--threads', '65', /^--threads: 65 must be at most 64$/),
  {
    name: '--finetune-after-training with --decompose-at',
    args: () => ['--finetune-after-training', '2', '--decompose-at', '1'],
    expect: /^--finetune-after-training .*cannot be combined with --decompose-at/,
  },
  flag('--rank-policy', 'ratio:2', /^--rank-policy: /),
  flag('--rank-policy', 'energy:0', /^--rank-policy: /),
  flag('--rank-policy', 'foo', /^--rank-policy: /),
  flag('--rank-policy', '', /^--rank-policy: expected a non-empty string$/),
  flag('--backend', 'tpu', /^--backend: 'tpu' is not one of auto, .*wasm, cpu$/),
  flag('--backend', '', /^--backend: '' is not one of/),
  // ---- where to train (src/executor, issue 16): refused before anything is written or submitted ----
  flag('--executor', 'cloud', /^--executor: 'cloud' is not one of local, slurm$/),
  flag('--slurm-partition', 'gpu', /^--slurm-partition needs --executor slurm$/),
  {
    name: '--slurm-time 2h',
    args: () => ['--executor', 'slurm', '--slurm-time', '2h'],
    expect: /^--slurm-time: '2h' must be a time limit: minutes, 'H:MM:SS' or 'D-HH:MM:SS'$/,
  },
  {
    name: '--slurm-mem "16 GB"',
    args: () => ['--executor', 'slurm', '--slurm-mem', '16 GB'],
    expect: /^--slurm-mem: '16 GB' must be a size such as '16G' or '4000M'$/,
  },
  {
    name: '--sbatch-args qos=high',
    args: () => ['--executor', 'slurm', '--sbatch-args', 'qos=high'],
    expect: /^--sbatch-args: 'qos=high' is not an sbatch option; write --name=value$/,
  },
  {
    name: '--slurm-template missing',
    args: (d) => ['--executor', 'slurm', '--slurm-template', join(d, 'nope.sh')],
    expect: /^--slurm-template .*nope\.sh: file not found$/,
  },
  flag('--model', 'alexnet', /^--model: unknown model 'alexnet'; use one of small-cnn, vgg19, resnet56, resnet56-pad, densenet40/),
  flag('--model', '', /^--model: expected a non-empty string$/),
  flag('--dataset', 'imagenet', /^--dataset: 'imagenet': unknown dataset/),
  flag('--dataset', '', /^--dataset: expected a non-empty string$/),
  flag('--dataset', 'synthetic:0x8x3', /^--dataset: 'synthetic:0x8x3': each size must be 1–512$/),
  flag('--dataset', 'synthetic:8x8', /^--dataset: 'synthetic:8x8': expected /),
  flag('--dataset', 'synthetic:600x600x3', /^--dataset: 'synthetic:600x600x3': each size must be 1–512$/),
  flag('--dataset', 'cifar10:', /^--dataset: .*cifar10:.*folder not found/),
  flag('--train-subset', '0', /^--train-subset: 0 must be at least 1$/),
  {
    name: '--train-subset above the training images',
    args: () => ['--dataset', 'synthetic', '--train-subset', '100000'],
    expect: /^--train-subset: 100000 is more than the 256 training images of 'synthetic'/,
  },
  // ---- command-line syntax ----
  {
    name: 'unknown flag --epoch',
    args: () => ['--epoch', '3'],
    expect: /^train: Unknown option '--epoch'; see 'tucker-train train --help'\.$/,
  },
  { name: 'unknown flag --frobnicate', args: () => ['--frobnicate'], expect: /^train: Unknown option '--frobnicate'/ },
  { name: 'short flag -x', args: () => ['-x'], expect: /^train: Unknown option '-x'/ },
  { name: 'a stray argument', args: () => ['foo'], expect: /^unexpected argument 'foo'; options start with --/ },
  { name: 'a value missing at the end', args: () => ['--epochs'], expect: /^train: Option '--epochs <value>' argument missing/ },
  { name: 'a value for a switch', args: () => ['--baseline=yes'], expect: /^train: Option '--baseline' does not take an argument/ },
  // ---- names ----
  flag('--name', '', /^--name: '' may use letters \(of any script\), digits/),
  flag('--name', 'a/b', /^--name: 'a\/b' may use letters/),
  flag('--name', '../x', /^--name: '\.\.\/x' may use letters/),
  flag('--name', 'x'.repeat(81), /^--name: 'x+' may use letters .*\(1 to 80\)$/),
  flag('--name', 'a\\b', /^--name: 'a\\b' may use letters/),
  flag('--name', 'ab$(rm -rf)', /^--name: .* may use letters/),
  flag('--name', 'tab\there', /^--name: .* may use letters/),
  flag('--name', 'a:b', /^--name: 'a:b' may use letters/),
  flag('--name', 'emoji 🚀', /^--name: 'emoji 🚀' may use letters/),
  // ---- config files ----
  {
    name: 'config file not found',
    args: (d) => ['--config', join(d, 'nope.json')],
    expect: (d) => new RegExp(`^--config ${esc(join(d, 'nope.json'))}: file not found$`),
  },
  {
    name: 'config file is a folder',
    args: (d) => ['--config', d],
    expect: (d) => new RegExp(`^--config ${esc(d)}: is a folder; give the JSON file$`),
  },
  { name: 'config file empty', args: (d) => ['--config', config(d, '')], expect: /^--config .*run\.tucker\.json: not valid JSON/ },
  {
    name: 'config file with a trailing comma',
    args: (d) => ['--config', config(d, '{ "epochs": 3, }')],
    expect: /^--config .*run\.tucker\.json: not valid JSON/,
  },
  {
    name: 'config file with comments',
    args: (d) => ['--config', config(d, '{ // x\n "epochs": 3 }')],
    expect: /^--config .*run\.tucker\.json: not valid JSON/,
  },
  {
    name: 'config file holding a list',
    args: (d) => ['--config', config(d, '[1, 2]')],
    expect: /^--config .*run\.tucker\.json: expected a JSON object with RunConfig fields/,
  },
  {
    name: 'config file holding a string',
    args: (d) => ['--config', config(d, '"x"')],
    expect: /^--config .*run\.tucker\.json: expected a JSON object/,
  },
  {
    name: 'config file holding null',
    args: (d) => ['--config', config(d, 'null')],
    expect: /^--config .*run\.tucker\.json: expected a JSON object/,
  },
  {
    name: 'config: unknown field',
    args: (d) => ['--config', config(d, { epocs: 3 })],
    expect: /^--config .*run\.tucker\.json: unknown field 'epocs'/,
  },
  {
    name: 'config: __proto__ field',
    args: (d) => ['--config', config(d, '{"__proto__": {"epochs": 3}}')],
    expect: /^--config .*: unknown field '__proto__'/,
  },
  {
    name: 'config: constructor field',
    args: (d) => ['--config', config(d, '{"constructor": 1}')],
    expect: /^--config .*: unknown field 'constructor'/,
  },
  {
    name: 'config with a BOM: unknown field still refused',
    args: (d) => ['--config', config(d, '\uFEFF{"epocs": 3}')],
    expect: /^--config .*: unknown field 'epocs'/,
  },
  {
    name: "config: 'epochs' -1",
    args: (d) => ['--config', config(d, { epochs: -1 })],
    expect: /^.*run\.tucker\.json: 'epochs': -1 must be at least 1$/,
  },
  {
    name: "config: 'epochs' true",
    args: (d) => ['--config', config(d, { epochs: true })],
    expect: /^.*run\.tucker\.json: 'epochs': 'true' is not an integer$/,
  },
  {
    name: "config: 'epochs' a list",
    args: (d) => ['--config', config(d, { epochs: [3] })],
    expect: /^.*run\.tucker\.json: 'epochs': '3' is not an integer$/,
  },
  {
    name: "config: 'decomposeAt' past the end",
    args: (d) => ['--config', config(d, { epochs: 3, decomposeAt: 5 })],
    expect: /'decomposeAt': 5 must be below --epochs \(3\)/,
  },
  {
    name: "config: 'reconstructAt' before 'decomposeAt'",
    args: (d) => ['--config', config(d, { epochs: 6, decomposeAt: 3, reconstructAt: 2 })],
    expect: /'reconstructAt': 2 must be after .*'decomposeAt' \(3\)/,
  },
  {
    name: "config: 'lrMilestones' words",
    args: (d) => ['--config', config(d, { lrMilestones: 'a,b' })],
    expect: /'lrMilestones': 'a' is not an integer$/,
  },
  {
    name: "config: 'lrMilestones' an object",
    args: (d) => ['--config', config(d, { lrMilestones: {} })],
    expect: /'lrMilestones': expected comma-separated epochs/,
  },
  { name: "config: 'model' a number", args: (d) => ['--config', config(d, { model: 5 })], expect: /'model': expected a non-empty string$/ },
  {
    name: "config: 'dataset' null",
    args: (d) => ['--config', config(d, { dataset: null })],
    expect: /'dataset': expected a non-empty string$/,
  },
  { name: "config: 'name' with a slash", args: (d) => ['--config', config(d, { name: 'a/b' })], expect: /'name': 'a\/b' may use letters/ },
  { name: "config: 'backend' gpu", args: (d) => ['--config', config(d, { backend: 'gpu' })], expect: /'backend': 'gpu' is not one of/ },
  { name: "config: 'batchSize' 0", args: (d) => ['--config', config(d, { batchSize: 0 })], expect: /'batchSize': 0 must be at least 1$/ },
  { name: "config: 'rankPolicy' ratio:1.5", args: (d) => ['--config', config(d, { rankPolicy: 'ratio:1.5' })], expect: /'rankPolicy': / },
  { name: "config: 'momentum' 2", args: (d) => ['--config', config(d, { momentum: 2 })], expect: /'momentum': 2 must be at most 0\.999$/ },
  {
    name: "config: 'runsDir' in /proc",
    args: (d) => ['--config', config(d, { runsDir: '/proc/tucker-runs' })],
    expect: /^--runs-dir \/proc\/tucker-runs: it is inside \/proc, a virtual file system/,
    runsDir: () => '',
  },
  // ---- model files ----
  {
    name: 'model.json not found',
    args: (d) => ['--model', join(d, 'none', 'model.json')],
    expect: /^--model: .*none\/model\.json not found; give a zoo name or the path/,
  },
  {
    name: 'model.json is a folder',
    args: (d) => {
      mkdirSync(join(d, 'dir.json'));
      return ['--model', join(d, 'dir.json')];
    },
    expect: /^--model: .*dir\.json is a folder; give the path to the model\.json inside it$/,
  },
  {
    name: 'model.json not JSON',
    args: (d) => ['--model', put(d, 'model.json', '{"modelTopology": ')],
    expect: /^--model: .*model\.json: not valid JSON at line 1, column \d+/,
  },
  {
    name: 'model.json holding a list',
    args: (d) => ['--model', put(d, 'model.json', '[]')],
    expect: /^--model: .*model\.json: expected a JSON object with 'modelTopology'/,
  },
  {
    name: 'model.json without modelTopology',
    args: (d) => ['--model', put(d, 'model.json', '{"format": "layers-model"}')],
    expect: /^--model: .*model\.json: no 'modelTopology' object/,
  },
  {
    name: 'a graph model',
    args: (d) => ['--model', put(d, 'model.json', '{"format": "graph-model", "modelTopology": {}}')],
    expect: /^--model: .*model\.json: is a TensorFlow\.js graph model/,
  },
  {
    name: 'unknown model class',
    args: (d) => ['--model', model(d, (j) => (j.modelTopology.class_name = 'Weird'))],
    expect: /^--model: .*model\.json: unsupported model class 'Weird'/,
  },
  {
    name: 'two layers with one name',
    args: (d) => [
      '--model',
      model(d, (j) => (j.modelTopology.config.layers[1].config.name = j.modelTopology.config.layers[0].config.name)),
    ],
    expect: /^--model: .*model\.json: two layers are named 'conv1'/,
  },
  {
    name: 'a layer without class_name',
    args: (d) => ['--model', model(d, (j) => delete j.modelTopology.config.layers[2].class_name)],
    expect: /^--model: .*model\.json: layer #2 has no 'class_name'/,
  },
  {
    name: "weights at '../outside.bin'",
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest[0].paths = ['../outside.bin']))],
    expect: /^--model: .*model\.json: weightsManifest\[0\] names '\.\.\/outside\.bin', a path that leaves the model's folder/,
  },
  {
    name: 'weights at an absolute path',
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest[0].paths = ['/etc/passwd']))],
    expect: /names '\/etc\/passwd', an absolute path/,
  },
  {
    name: 'weights at a UNC path',
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest[0].paths = ['\\\\server\\share\\w.bin']))],
    expect: /names '\\\\server\\share\\w\.bin', a network \(UNC\) path/,
  },
  {
    name: 'weights at a Windows drive path',
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest[0].paths = ['C:\\w.bin']))],
    expect: /names 'C:\\w\.bin', an absolute path/,
  },
  {
    name: 'weights at a URL',
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest[0].paths = ['https://example.com/w.bin']))],
    expect: /names 'https:\/\/example\.com\/w\.bin', a URL/,
  },
  {
    name: "weights at 'sub/../../x.bin'",
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest[0].paths = ['sub/../../x.bin']))],
    expect: /a path that leaves the model's folder/,
  },
  {
    name: 'weights at an empty path',
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest[0].paths = ['']))],
    expect: /names '', an empty path/,
  },
  {
    name: 'weights file missing',
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest[0].paths = ['gone.bin']))],
    expect: /^--model: .*gone\.bin: weight file listed in .*model\.json not found/,
  },
  {
    name: 'weights file too short',
    args: (d) => ['--model', model(d, undefined, (b) => b.subarray(0, b.length - 6))],
    expect: /weights\.bin: weight file is shorter than model\.json says \(expected 92456 bytes, found 92450\)/,
  },
  {
    name: 'weights file too long',
    args: (d) => ['--model', model(d, undefined, (b) => Buffer.concat([b, Buffer.alloc(3)]))],
    expect: /weights\.bin: weight file is longer than model\.json says \(expected 92456 bytes, found 92459\)/,
  },
  {
    name: 'weights file is a folder',
    args: (d) => {
      const m = model(d, (j) => (j.weightsManifest[0].paths = ['wdir']));
      mkdirSync(join(d, 'm', 'wdir'));
      return ['--model', m];
    },
    expect: /wdir: weight file listed in .* is not a file/,
  },
  {
    name: 'a weight of dtype string',
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest[0].weights[0].dtype = 'string'))],
    expect: /model\.json: weight '.*' has dtype 'string', which is not supported/,
  },
  {
    name: 'a weight with a negative dimension',
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest[0].weights[0].shape = [3, -3, 1, 8]))],
    expect: /model\.json: weight '.*' has the shape \[3, -3, 1, 8\]/,
  },
  {
    name: 'weightsManifest not a list',
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest = {}))],
    expect: /model\.json: 'weightsManifest' is not a list/,
  },
  {
    name: 'a manifest group without paths',
    args: (d) => ['--model', model(d, (j) => delete j.weightsManifest[0].paths)],
    expect: /model\.json: weightsManifest\[0\] needs 'paths' and 'weights' lists/,
  },
  {
    name: 'an unsupported quantization',
    args: (d) => ['--model', model(d, (j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'int4' }))],
    expect: /is quantized as 'int4', which is not supported/,
  },
  {
    name: 'a layer TensorFlow.js cannot build',
    args: (d) => [
      '--model',
      model(d, (j) => (j.modelTopology.config.layers[3].class_name = 'Lambda')),
      '--dataset',
      'synthetic:28x28x1',
      '--backend',
      'wasm',
    ],
    expect: /model\.json: layer '.*' is a 'Lambda', which TensorFlow\.js .* cannot build/,
  },
  {
    name: "a model whose input does not fit the dataset's images",
    args: (d) => ['--model', model(d), '--dataset', 'synthetic:8x8x3', '--backend', 'wasm'],
    expect: /^--model .*model\.json: its input is 28×28×1 but dataset 'synthetic:8x8x3' gives 8×8×3 images/,
  },
  // ---- data files ----
  {
    name: 'CIFAR-10 folder missing',
    args: (d) => ['--dataset', `cifar10:${join(d, 'nope')}`],
    expect: /^--dataset: .*cifar10:.*nope.*folder not found/,
  },
  {
    name: 'CIFAR-10 file missing',
    args: (d) => ['--dataset', `cifar10:${cifar(d, (f) => (f === 'data_batch_4.bin' ? null : Buffer.alloc(3073)))}`],
    expect: /data_batch_4\.bin is missing/,
  },
  {
    name: 'CIFAR-10 file truncated',
    args: (d) => ['--dataset', `cifar10:${cifar(d, (f) => Buffer.alloc(f === 'test_batch.bin' ? 3000 : 3073))}`],
    expect: /test_batch\.bin is 3000 bytes, not a whole number of 3073-byte records/,
  },
  { name: 'CIFAR-10 path is a file', args: (d) => ['--dataset', `cifar10:${put(d, 'file', 'x')}`], expect: /^--dataset: .*cifar10:.*file/ },
  { name: 'IDX folder missing', args: (d) => ['--dataset', `idx:${join(d, 'nope')}`], expect: /^--dataset: .*idx:.*nope/ },
  {
    name: 'IDX folder without its files',
    args: (d) => {
      mkdirSync(join(d, 'idx'));
      return ['--dataset', `idx:${join(d, 'idx')}`];
    },
    expect: /^--dataset: .*idx:/,
  },
  {
    name: 'IDX file with a wrong magic number',
    args: (d) => {
      for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'])
        put(d, `idx/${f}`, Buffer.alloc(16, 7));
      return ['--dataset', `idx:${join(d, 'idx')}`];
    },
    expect: /^--dataset: .*idx:/,
  },
  {
    name: 'fashion-mnist folder missing',
    args: (d) => ['--dataset', `fashion-mnist:${join(d, 'nope')}`],
    expect: /^--dataset: .*fashion-mnist:.*nope/,
  },
  // ---- runs directories ----
  {
    name: 'runs dir is a file',
    args: () => [],
    runsDir: (d) => put(d, 'plain', 'x'),
    expect: /^--runs-dir .*plain: exists and is not a folder$/,
  },
  {
    name: 'runs dir below a file',
    args: () => [],
    runsDir: (d) => join(put(d, 'plain', 'x'), 'runs'),
    expect: /^--runs-dir .*plain\/runs: not writable \(ENOTDIR: a part of the path is a file, not a folder\); checked .*plain/,
  },
  {
    name: 'runs dir in /proc',
    args: () => [],
    runsDir: () => '/proc/tucker-runs',
    expect: /^--runs-dir \/proc\/tucker-runs: it is inside \/proc, a virtual file system that holds no files; choose another folder/,
  },
  {
    name: 'runs dir deep in /proc',
    args: () => [],
    runsDir: () => '/proc/self/a/b/c',
    expect: /^--runs-dir \/proc\/self\/a\/b\/c: it is inside \/proc/,
  },
  {
    name: 'runs dir in /sys',
    args: () => [],
    runsDir: () => '/sys/kernel/tucker',
    expect: /^--runs-dir \/sys\/kernel\/tucker: it is inside \/sys/,
  },
  { name: 'runs dir in /dev', args: () => [], runsDir: () => '/dev/tucker', expect: /^--runs-dir \/dev\/tucker: it is inside \/dev/ },
  { name: 'runs dir /proc itself', args: () => [], runsDir: () => '/proc', expect: /^--runs-dir \/proc: it is inside \/proc/ },
  // ---- backends that are not here ----
  {
    name: 'backend tensorflow without tfjs-node',
    args: () => ['--backend', 'tensorflow', '--dataset', 'synthetic:8x8x3'],
    expect: /^backend 'tensorflow' is not available|tensorflow/,
  },
  {
    name: 'backend tensorflow-gpu without tfjs-node-gpu',
    args: () => ['--backend', 'tensorflow-gpu', '--dataset', 'synthetic:8x8x3'],
    expect: /^backend 'tensorflow-gpu' is not available|tensorflow-gpu/,
  },
];

const skipOn = (c: Case) => process.platform !== 'linux' && /\/proc|\/sys|\/dev/.test(c.name);

for (const [i, c] of CASES.entries()) {
  test(`refused before a run folder exists: ${c.name}`, { skip: skipOn(c) }, async () => {
    const dir = join(work, String(i));
    mkdirSync(dir, { recursive: true });
    const runsDir = c.runsDir ? c.runsDir(dir) : join(dir, 'runs');
    const existed = runsDir !== '' && existsSync(runsDir);
    const args = ['train', '--quiet', ...(runsDir ? ['--runs-dir', runsDir] : []), ...c.args(dir)];
    let error: unknown = null;
    try {
      await main(args);
    } catch (e) {
      error = e;
    }
    assert.ok(isUserError(error), `a UserError (exit 2), got ${error instanceof Error ? error.stack : String(error)}`);
    const message = (error as Error).message;
    assert.ok(!message.includes('\n'), `one line: ${message}`);
    assert.match(message, typeof c.expect === 'function' ? c.expect(dir) : c.expect);
    if (runsDir && !runsDir.startsWith('/proc') && !runsDir.startsWith('/sys') && !runsDir.startsWith('/dev')) {
      if (existed && !runsDir.endsWith('plain')) assert.deepEqual(readdirSync(runsDir), [], 'no run folder');
      else if (!existed) assert.equal(existsSync(runsDir), false, 'nothing created, not even the runs directory');
    }
  });
}

test('at least 100 bad inputs in the table', () => assert.ok(CASES.length >= 100, `${CASES.length} cases`));

test('accepted: a config file with a UTF-8 byte-order mark, non-ASCII run names', async () => {
  const { resolveConfig } = await import('../../src/cli/config');
  const dir = tempDir();
  const file = config(dir, '\uFEFF{ "epochs": 3, "decomposeAt": 1, "reconstructAt": null, "name": "été" }');
  const c = resolveConfig({ config: file, 'runs-dir': join(dir, 'runs') });
  assert.equal(c.epochs, 3);
  assert.equal(c.name, 'été');
  for (const name of ['été', '実験 1', 'Ünïcödé-run_2.0', 'naïve café']) assert.equal(resolveConfig({ name, 'runs-dir': dir }).name, name);
  assert.equal(existsSync(join(dir, 'runs')), false, 'checking the runs directory creates nothing');
});

test('the CLI: exit code 2, one line on stderr starting tucker-train:, no stack, no run folder', () => {
  const dir = tempDir();
  for (const args of [
    ['--epochs', '-1'],
    ['--runs-dir', '/proc/x'],
    ['--model', model(join(dir, 'a'), (j) => (j.weightsManifest[0].paths = ['../outside.bin']))],
    ['--name', 'a/b'],
    ['--backend', 'wasm', '--model', model(join(dir, 'b')), '--dataset', 'synthetic:8x8x3'],
  ]) {
    const runsDir = join(dir, 'runs');
    const r = spawnSync(process.execPath, [CLI, 'train', '--runs-dir', runsDir, ...args], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^tucker-train: /);
    assert.equal(existsSync(runsDir), false, 'no runs directory, no run folder');
  }
});
