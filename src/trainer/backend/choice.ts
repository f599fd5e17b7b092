// The one rule that picks a backend (docs/design.md §6.1), separate from how each backend is
// probed so that it is unit-tested with injected probes and `doctor` answers with the same rule.
// `auto`: tensorflow-gpu (verified on a GPU) → webgpu on a hardware adapter → tensorflow → wasm
// → cpu, one sentence per backend passed over. A software WebGPU adapter is never auto's choice;
// asked for by name it is used with a warning. An explicit request never falls back.
import { UserError } from '../../core/userError';
import type { BackendName, BackendRequest, GpuAdapterInfo } from '../../runs/types';
import { adapterName } from './adapterInfo';

export const AUTO_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

export type Activation = { ok: true; device: string } | { ok: false; why: string };

/** What probing a backend found: unusable (and why), or usable once activated. */
export type Detection =
  | { ok: false; why: string }
  | {
      ok: true;
      /** webgpu: the adapter it would run on. */
      adapter?: GpuAdapterInfo;
      /** Said along with a software adapter (e.g. a GPU that Vulkan cannot see). */
      hint?: string;
      /** Makes the backend tfjs's active one and checks it computes. */
      activate(): Promise<Activation>;
    };

export type Probes = Record<BackendName, () => Promise<Detection>>;

export interface Choice {
  used: BackendName;
  device: string;
  adapter: GpuAdapterInfo | null;
  /** One sentence per backend tried before the chosen one, prefixed with its name. */
  fallbacks: string[];
  /** One-line warnings to show before training (a software adapter asked for by name). */
  warnings: string[];
}

export function softwareSkipReason(a: GpuAdapterInfo, hint?: string): string {
  return (
    `only a software adapter (${adapterName(a)}), a CPU emulating a GPU, which auto never picks (--backend webgpu uses it anyway)` +
    (hint ? `; ${hint}` : '')
  );
}

export function softwareWarning(a: GpuAdapterInfo): string {
  return `webgpu: ${adapterName(a)} is a software adapter (a CPU emulating a GPU): right for checking, slower than wasm for training`;
}

/** Picks and activates a backend. Throws a UserError when an explicit request cannot be honoured. */
export async function chooseBackend(requested: BackendRequest, probes: Probes): Promise<Choice> {
  if (requested !== 'auto') {
    const d = await probes[requested]();
    if (!d.ok) throw new UserError(`backend '${requested}' is not available: ${d.why}`);
    const a = await d.activate();
    if (!a.ok) throw new UserError(`backend '${requested}' is not available: ${a.why}`);
    const adapter = d.adapter ?? null;
    return { used: requested, device: a.device, adapter, fallbacks: [], warnings: adapter?.software ? [softwareWarning(adapter)] : [] };
  }
  const fallbacks: string[] = [];
  for (const name of AUTO_ORDER) {
    const d = await probes[name]();
    if (!d.ok) {
      fallbacks.push(`${name}: ${d.why}`);
      continue;
    }
    if (d.adapter?.software) {
      fallbacks.push(`${name}: ${softwareSkipReason(d.adapter, d.hint)}`);
      continue;
    }
    const a = await d.activate();
    if (!a.ok) {
      fallbacks.push(`${name}: ${a.why}`);
      continue;
    }
    return { used: name, device: a.device, adapter: d.adapter ?? null, fallbacks, warnings: [] };
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${fallbacks.join('; ')}`);
}
