// TensorFlow.js Layers format on disk without tfjs-node (docs/design.md §7.1): model.json + weights.bin,
// written through withSaveHandler and read back through fromMemory.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../core/userError';
import { parseModelJson } from '../model/modelJson';
import { checkWeightFilesSync } from '../model/weights';
import { faultPoint } from '../runs/faults';
import { writeError, writing } from '../runs/fsErrors';

/** Extra files written into a checkpoint folder beside model.json (the training state). */
export type CheckpointFiles = Record<string, Uint8Array | string>;

/**
 * Writes `dir` as a whole: everything goes to `<dir>.tmp-<pid>` first (model.json last), then the
 * old folder is moved aside, the new one renamed in, and the old one removed. A crash at any
 * moment leaves either the old or the new checkpoint complete under `dir`, or none (the lookup
 * then falls back to an older one); temp folders are removed on the next start or resume.
 */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  meta: Record<string, unknown> = {},
  extra: CheckpointFiles = {},
): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weights = artifacts.weightData ? new Uint8Array(artifacts.weightData as ArrayBuffer) : new Uint8Array(0);
        writing(join(tmp, 'weights.bin'), () => writeFileSync(join(tmp, 'weights.bin'), weights));
        faultPoint('checkpoint-weights', join(tmp, 'weights.bin'));
        for (const [name, content] of Object.entries(extra)) writing(join(tmp, name), () => writeFileSync(join(tmp, name), content));
        const json = {
          format: 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
          userDefinedMetadata: { tuckerTrain: meta },
        };
        writing(join(tmp, 'model.json'), () => writeFileSync(join(tmp, 'model.json'), JSON.stringify(json)));
        faultPoint('checkpoint-json', join(tmp, 'model.json'));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true }); // a full disk gets its space back for run.json
    throw writeError(e, tmp);
  }
  const old = `${dir}.old-${process.pid}`;
  writing(dir, () => {
    mkdirSync(dirname(dir), { recursive: true });
    rmSync(old, { recursive: true, force: true });
    if (existsSync(dir)) renameSync(dir, old);
    faultPoint('checkpoint-swap', dir);
    renameSync(tmp, dir);
  });
  rmSync(old, { recursive: true, force: true });
}

/** Temp folders a killed trainer left in `checkpointsDir` (`<label>.tmp-<pid>`, `<label>.old-<pid>`). */
export function staleCheckpointFolders(checkpointsDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(checkpointsDir);
  } catch {
    return [];
  }
  return names.filter((n) => /\.(tmp|old)-\d+$/.test(n)).map((n) => join(checkpointsDir, n));
}

/** Removes the temp folders of earlier processes (never this one's). Returns how many. */
export function removeStaleCheckpointFolders(checkpointsDir: string): number {
  let n = 0;
  for (const f of staleCheckpointFolders(checkpointsDir)) {
    if (f.endsWith(`-${process.pid}`)) continue;
    rmSync(f, { recursive: true, force: true });
    n++;
  }
  return n;
}

/** Whether TensorFlow.js can build a layer of this class (its Layers registry). */
function tfjsKnowsLayer(className: string): boolean {
  return className in tf.serialization.SerializationMap.getMap().classNameMap;
}

/**
 * Loads a TF.js Layers model.json and its weights. Our own reader checks it first (docs/design.md
 * §4.1), so a bad file is refused with a message naming the file and the layer, before TF.js
 * sees it: malformed JSON, weight paths outside the model's folder, weight files of the wrong
 * size, layer classes TF.js cannot build.
 */
export async function loadModel(modelJsonPath: string): Promise<tf.LayersModel> {
  let text: string;
  try {
    text = readFileSync(modelJsonPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UserError(`--model ${modelJsonPath}: file not found; give a zoo name or the path to a TensorFlow.js model.json`);
    if (code === 'EISDIR') throw new UserError(`--model ${modelJsonPath}: is a folder; give the path to the model.json inside it`);
    throw new UserError(`--model ${modelJsonPath}: cannot read it (${code ?? (e as Error).message})`);
  }
  const model = parseModelJson(text, modelJsonPath);
  checkWeightFilesSync(model);
  const foreign = model.layers.find((l) => !tfjsKnowsLayer(l.className));
  if (foreign)
    throw new UserError(
      `${modelJsonPath}: layer '${foreign.name}' is a '${foreign.className}', which TensorFlow.js ${tf.version.tfjs} cannot build (custom or Python-only layer); re-export the model without it`,
    );
  const json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as {
    modelTopology: unknown;
    weightsManifest?: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs = (json.weightsManifest ?? []).flatMap((g) => g.weights);
  const buffers = model.groups.flatMap((g) => g.files.map((f) => new Uint8Array(readFileSync(f))));
  const weightData = new Uint8Array(buffers.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of buffers) {
    weightData.set(b, at);
    at += b.length;
  }
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightSpecs: specs,
        weightData: weightData.buffer,
      }),
    );
  } catch (e) {
    throw new UserError(`--model ${modelJsonPath}: TensorFlow.js cannot load it (${firstLine((e as Error).message)})`);
  }
}

/** TF.js errors run to several sentences of advice that does not apply here: the first line. */
function firstLine(s: string): string {
  return s.split('\n')[0].split(/\. This may be due to/)[0];
}
