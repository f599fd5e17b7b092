// `tucker-train doctor`: what can train here and why not, without training (docs/design.md §6.4).
// Every backend is probed and, where it loads, activated and made to compute one product; the
// backend `auto` would choose comes from the same rule training uses (choice.ts) applied to the
// recorded results, so doctor and a run never disagree.
import * as tf from '@tensorflow/tfjs';
import { DOCTOR_REPORT_VERSION, type DoctorBackend, type DoctorReport } from '../../protocol';
import type { BackendName } from '../../runs/types';
import { adapterName } from './adapterInfo';
import { AUTO_ORDER, chooseBackend, type Activation, type Detection, type Probes } from './choice';
import { BACKEND_PROBES } from './setup';
import { loadDawn } from './dawn';
import { probeVulkanEnv } from './vulkan';
import { listDawnAdapters } from './webgpu';

export interface DoctorOptions {
  probes?: Probes;
  /** Adapters Dawn lists (tests inject them). */
  listAdapters?: () => Promise<{ backend: string; name: string }[]>;
  platform?: string;
  /** The dawn.node path to report (tests). */
  dawnPath?: string | null;
}

function dawnPath(): string | null {
  const d = loadDawn();
  return d.ok ? d.path : null;
}

function softwareNote(hint?: string): string {
  return `a software adapter (a CPU emulating a GPU): auto passes over it, --backend webgpu uses it${hint ? `; ${hint}` : ''}`;
}

export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const probes = opts.probes ?? BACKEND_PROBES;
  const platform = opts.platform ?? process.platform;
  const backends: DoctorBackend[] = [];
  const recorded = {} as Record<BackendName, { detection: Detection; activation: Activation | null }>;
  for (const name of AUTO_ORDER) {
    const detection = await probes[name]();
    const activation = detection.ok ? await detection.activate() : null;
    recorded[name] = { detection, activation };
    const adapter = detection.ok ? (detection.adapter ?? null) : null;
    const available = activation?.ok === true;
    backends.push({
      name,
      available,
      device: activation?.ok ? activation.device : null,
      reason: !detection.ok ? detection.why : activation && !activation.ok ? activation.why : null,
      adapter,
      note: available && adapter?.software ? softwareNote(detection.ok ? detection.hint : undefined) : null,
    });
  }
  // auto's choice from the results above: the same rule, without probing twice.
  const replay = Object.fromEntries(
    AUTO_ORDER.map((name) => {
      const { detection, activation } = recorded[name];
      const d: Detection = detection.ok ? { ...detection, activate: async () => activation! } : detection;
      return [name, async () => d];
    }),
  ) as Probes;
  const auto = await chooseBackend('auto', replay);
  const gpuRun = recorded['tensorflow-gpu'];
  const vulkan = platform === 'linux' ? probeVulkanEnv() : null;
  return {
    version: DOCTOR_REPORT_VERSION,
    node: process.version,
    tfjs: tf.version.tfjs,
    platform,
    arch: process.arch,
    backends,
    adapters: await (opts.listAdapters ?? listDawnAdapters)(),
    tensorflowGpuUsesGpu: gpuRun.detection.ok ? gpuRun.activation?.ok === true : null,
    dawn: opts.dawnPath !== undefined ? opts.dawnPath : dawnPath(),
    vulkan,
    auto: { used: auto.used, device: auto.device, fallbacks: auto.fallbacks },
  };
}

/** The report for a terminal: one line per backend, then adapters, Vulkan, and auto's choice. */
export function formatDoctorReport(r: DoctorReport): string {
  const lines: string[] = [];
  lines.push(`tucker-train doctor: Node ${r.node}, TensorFlow.js ${r.tfjs}, ${r.platform}-${r.arch}`, '');
  lines.push("Backends, in auto's order:");
  const w = Math.max(...r.backends.map((b) => b.name.length));
  for (const b of r.backends) {
    const head = `  ${b.name.padEnd(w)}  ${b.available ? 'yes' : 'no '}  `;
    lines.push(head + (b.available ? b.device! : b.reason!));
    if (b.note) lines.push(`${' '.repeat(head.length)}note: ${b.note}`);
  }
  lines.push('', 'GPU adapters Dawn sees:');
  if (!r.adapters.length) lines.push('  none');
  for (const a of r.adapters) lines.push(`  ${a.backend}: ${a.name}`);
  const webgpu = r.backends.find((b) => b.name === 'webgpu');
  if (webgpu?.adapter) {
    const a = webgpu.adapter;
    lines.push(
      `  webgpu would use: ${adapterName(a)} (vendor '${a.vendor}', architecture '${a.architecture}', device '${a.device}'; ${a.software ? 'software' : 'hardware'})`,
    );
  }
  lines.push(
    '',
    `tfjs-node-gpu on a GPU: ${r.tensorflowGpuUsesGpu === null ? 'not installed (or does not load)' : r.tensorflowGpuUsesGpu ? 'yes' : 'no, it runs on the CPU'}`,
  );
  lines.push(`Dawn (WebGPU): ${r.dawn ?? 'not loaded'}`);
  if (r.vulkan)
    lines.push(
      `Vulkan: loader ${r.vulkan.loader ?? 'missing (libvulkan.so.1)'}; drivers ${r.vulkan.drivers.join(', ') || 'none'}; NVIDIA driver ${r.vulkan.nvidiaDriver ?? 'none'}`,
    );
  lines.push('', `auto would choose: ${r.auto.used} on ${r.auto.device}`);
  return lines.join('\n');
}
