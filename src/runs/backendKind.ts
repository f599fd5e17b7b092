// Whether a run trained on the CPU: the dashboard then links "Check training backends"
// (docs/design.md §6.4). A software WebGPU adapter is a CPU too.
import type { BackendInfo } from './types';

export function trainedOnCpu(b: Pick<BackendInfo, 'used' | 'adapter'>): boolean {
  if (b.used === 'tensorflow-gpu') return false;
  if (b.used === 'webgpu') return b.adapter?.software === true;
  return true;
}
