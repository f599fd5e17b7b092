// Why Dawn finds no GPU on Linux, in one sentence: it drives the GPU through Vulkan, which needs
// the loader (libvulkan.so.1) and a driver's ICD file; NVIDIA ships its ICD with the driver's
// graphics part, which containers expose only when asked (docs/design.md §7.2). The file system
// is injected so each reason is unit-tested.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface VulkanEnv {
  /** Path of libvulkan.so.1, or null when the loader is missing. */
  loader: string | null;
  /** ICD files (Vulkan drivers) the loader would read, by file name. */
  drivers: string[];
  /** The environment variable that replaces the loader's driver search, when one is set. */
  driversFrom: string | null;
  /** NVIDIA kernel driver version (from /proc/driver/nvidia/version), or null. */
  nvidiaDriver: string | null;
}

export interface FsView {
  exists(path: string): boolean;
  list(dir: string): string[];
  read(path: string): string | null;
  env: Record<string, string | undefined>;
  arch: string;
}

export const nodeFs: FsView = {
  exists: (p) => existsSync(p),
  list: (d) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  },
  read: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return null;
    }
  },
  env: process.env,
  arch: process.arch,
};

const TRIPLETS: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

function splitPaths(v: string | undefined): string[] {
  return (v ?? '').split(':').filter(Boolean);
}

export function probeVulkanEnv(fs: FsView = nodeFs): VulkanEnv {
  const triplet = TRIPLETS[fs.arch];
  const libDirs = [
    ...splitPaths(fs.env.LD_LIBRARY_PATH),
    ...(triplet ? [`/usr/lib/${triplet}`, `/lib/${triplet}`] : []),
    '/usr/lib64',
    '/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  const loader = libDirs.map((d) => join(d, 'libvulkan.so.1')).find((p) => fs.exists(p)) ?? null;
  // VK_DRIVER_FILES (new) / VK_ICD_FILENAMES (old) replace the search when set.
  const driversFrom = fs.env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : fs.env.VK_ICD_FILENAMES ? 'VK_ICD_FILENAMES' : null;
  const explicit = driversFrom ? splitPaths(fs.env[driversFrom]) : [];
  const drivers = explicit.length
    ? explicit.filter((p) => fs.exists(p)).map((p) => p.split('/').pop()!)
    : [
        ...new Set(
          [
            ...splitPaths(fs.env.XDG_CONFIG_DIRS).map((d) => join(d, 'vulkan/icd.d')),
            '/etc/vulkan/icd.d',
            ...splitPaths(fs.env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').map((d) => join(d, 'vulkan/icd.d')),
            '/usr/share/vulkan/icd.d',
          ].flatMap((d) => fs.list(d).filter((n) => n.endsWith('.json'))),
        ),
      ];
  const nv = fs.read('/proc/driver/nvidia/version');
  const nvidiaDriver = nv ? (/Kernel Module\s+(?:for\s+\S+\s+)?([\d.]+)/.exec(nv)?.[1] ?? 'unknown version') : null;
  return { loader, drivers, driversFrom, nvidiaDriver };
}

const hasNvidiaIcd = (env: VulkanEnv) => env.drivers.some((d) => /nvidia/i.test(d));

/** An NVIDIA GPU whose Vulkan driver is missing: the usual state of a CUDA-only container. */
export function nvidiaWithoutVulkan(env: VulkanEnv): string | null {
  if (!env.nvidiaDriver || hasNvidiaIcd(env)) return null;
  return (
    `an NVIDIA GPU is present (driver ${env.nvidiaDriver}) but not its Vulkan driver (nvidia_icd.json): ` +
    `install the driver's Vulkan part, or in a container add 'graphics' to NVIDIA_DRIVER_CAPABILITIES (e.g. =all)`
  );
}

/** Why Dawn gave no adapter, in one sentence. */
export function whyNoAdapter(env: VulkanEnv | null, platform: string): string {
  if (platform === 'darwin') return 'Dawn found no Metal adapter (macOS 11+ on a Mac with a Metal GPU is needed)';
  if (platform === 'win32') return 'Dawn found no D3D12 adapter (update the GPU driver; Windows 10+ is needed)';
  if (!env) return 'Dawn found no adapter';
  if (!env.loader)
    return (
      'no Vulkan loader (libvulkan.so.1): install it and a Vulkan driver, e.g. apt-get install libvulkan1 mesa-vulkan-drivers ' +
      '(Debian bookworm: add -t bookworm-backports for Mesa 25, whose software adapter Dawn accepts)'
    );
  const nvidia = nvidiaWithoutVulkan(env);
  if (nvidia) return nvidia;
  if (!env.drivers.length && env.driversFrom)
    return `${env.driversFrom} names no existing Vulkan driver file: unset it, or point it at a driver's ICD .json`;
  if (!env.drivers.length)
    return "the Vulkan loader is installed but no Vulkan driver is (no ICD file in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d): install the GPU's Vulkan driver";
  return (
    `Dawn found no usable adapter through Vulkan (drivers: ${env.drivers.join(', ')}); ` +
    "a Mesa older than 25 (Debian bookworm's 22.3) is rejected: apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1"
  );
}
