// A model's input shape, and the generated dataset that fits it: "Start decomposed training from
// this model" with synthetic data must feed images of the model's own size (synthetic:HxWxC), not
// the 16×16×3 that a bare `synthetic` means.
import { UserError } from '../core/userError';
import type { ModelFile } from './modelJson';
import { inferShapes, type Shape } from './shapes';

/** The input shape of the model's first input (without the batch axis). */
export function modelInputShape(model: ModelFile): Shape {
  const shapes = inferShapes(model);
  const first = model.inputLayers[0] ?? model.layers.find((l) => l.className === 'InputLayer' || l.inbound.length === 0)?.name;
  const s = first !== undefined ? shapes.get(first)?.inputShapes[0] : undefined;
  if (!s)
    throw new UserError(
      `${model.path}: cannot tell the model's input shape; re-save it with an input shape (e.g. inputShape: [28, 28, 1]).`,
    );
  return s;
}

/** `synthetic:HxWxC` for an image model of that input shape; a UserError for other inputs. */
export function syntheticDatasetFor(model: ModelFile): string {
  const s = modelInputShape(model);
  const ok = s.length === 3 && s.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 512);
  if (!ok)
    throw new UserError(
      `${model.path}: generated data needs an image input of known height × width × channels (each 1–512); this model takes [${s.map((v) => v ?? '?').join(', ')}]`,
    );
  return `synthetic:${s.join('x')}`;
}
