// `tucker-train doctor`'s report as Markdown, for the "Check training backends" preview. No
// vscode import: unit-tested as plain text.
import type { DoctorReport } from '../protocol';

/** Text safe inside a Markdown table cell or list item (no markup, no column breaks). */
export function mdText(s: string): string {
  return s.replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}

function adapterLine(a: NonNullable<DoctorReport['backends'][number]['adapter']>): string {
  const name = a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return `${mdText(name)} (vendor ${mdText(a.vendor || '?')}, architecture ${mdText(a.architecture || '?')}; ${a.software ? '**software**' : 'hardware'})`;
}

export function doctorMarkdown(r: DoctorReport): string {
  const out: string[] = [];
  out.push('# Training backends', '');
  out.push(`Node ${mdText(r.node)} · TensorFlow.js ${mdText(r.tfjs)} · ${mdText(`${r.platform}-${r.arch}`)}`, '');
  out.push(`**\`auto\` trains on: ${mdText(r.auto.used)}** — ${mdText(r.auto.device)}`, '');
  out.push('| Backend | Available | Device, or why not |', '| --- | --- | --- |');
  for (const b of r.backends) {
    const what = b.available ? b.device! : b.reason!;
    const note = b.note ? `<br>${mdText(b.note)}` : '';
    out.push(`| \`${b.name}\` | ${b.available ? 'yes' : 'no'} | ${mdText(what)}${note} |`);
  }
  out.push('', '## GPU adapters Dawn (WebGPU) sees', '');
  if (!r.adapters.length) out.push('None.');
  for (const a of r.adapters) out.push(`- ${mdText(a.backend)}: ${mdText(a.name)}`);
  const webgpu = r.backends.find((b) => b.name === 'webgpu');
  if (webgpu?.adapter) out.push(`- \`webgpu\` would use: ${adapterLine(webgpu.adapter)}`);
  out.push('', '## Details', '');
  out.push(
    `- tfjs-node-gpu on a GPU: ${r.tensorflowGpuUsesGpu === null ? 'not installed (or does not load)' : r.tensorflowGpuUsesGpu ? 'yes' : 'no, it runs on the CPU'}`,
  );
  out.push(`- Dawn: ${r.dawn ? mdText(r.dawn) : 'not loaded'}`);
  if (r.vulkan) {
    out.push(`- Vulkan loader: ${r.vulkan.loader ? mdText(r.vulkan.loader) : 'missing (libvulkan.so.1)'}`);
    out.push(`- Vulkan drivers: ${r.vulkan.drivers.length ? r.vulkan.drivers.map(mdText).join(', ') : 'none'}`);
    out.push(`- NVIDIA driver: ${r.vulkan.nvidiaDriver ? mdText(r.vulkan.nvidiaDriver) : 'none'}`);
  }
  if (r.auto.fallbacks.length) {
    out.push('', '## Why `auto` passed over the faster backends', '');
    for (const f of r.auto.fallbacks) out.push(`- ${mdText(f)}`);
  }
  out.push('', '_The same report on the command line: `tucker-train doctor` (`--json` for the data)._', '');
  return out.join('\n');
}
