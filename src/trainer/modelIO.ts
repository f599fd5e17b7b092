// TensorFlow.js Layers format on disk without tfjs-node (docs/design.md §7.1): model.json + weights.bin,
// written through withSaveHandler and read back through fromMemory.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../core/userError';

export async function saveModel(model: tf.LayersModel, dir: string, meta: Record<string, unknown> = {}): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData ? new Uint8Array(artifacts.weightData as ArrayBuffer) : new Uint8Array(0);
      writeFileSync(join(tmp, 'weights.bin'), weights);
      const json = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        userDefinedMetadata: { tuckerTrain: meta },
      };
      writeFileSync(join(tmp, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  // Swap in whole, so a reader never sees a half-written checkpoint.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(tmp, dir);
}

export async function loadModel(modelJsonPath: string): Promise<tf.LayersModel> {
  if (!existsSync(modelJsonPath))
    throw new UserError(`--model ${modelJsonPath}: file not found; give a zoo name or the path to a TensorFlow.js model.json`);
  let json: { modelTopology?: unknown; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(readFileSync(modelJsonPath, 'utf8'));
  } catch (e) {
    throw new UserError(`--model ${modelJsonPath}: not valid JSON (${(e as Error).message}); give a TensorFlow.js Layers model.json`);
  }
  if (!json.modelTopology)
    throw new UserError(`--model ${modelJsonPath}: no 'modelTopology' field; this is not a TensorFlow.js Layers model.json`);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths) {
      const file = join(dirname(modelJsonPath), p);
      if (!existsSync(file)) throw new UserError(`--model ${modelJsonPath}: weight file ${file} is missing; copy it next to model.json`);
      buffers.push(new Uint8Array(readFileSync(file)));
    }
    specs.push(...group.weights);
  }
  const weightData = new Uint8Array(buffers.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of buffers) {
    weightData.set(b, at);
    at += b.length;
  }
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: weightData.buffer }),
    );
  } catch (e) {
    throw new UserError(`--model ${modelJsonPath}: TensorFlow.js cannot load it (${(e as Error).message})`);
  }
}
