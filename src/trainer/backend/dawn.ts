/// <reference types="@webgpu/types" />
// Loads Dawn's Node bindings (dawn.node from the `webgpu` npm package, docs/design.md §7.2).
// dawn.node is a native file the bundler cannot inline: the build copies the one for the target
// platform next to the bundle (dist/dawn.node + dist/dawn.json saying which platform it is for);
// from source or an npm install it comes from the package's dist/<platform>-<arch>/.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** What dawn.node exports: `create(flags)` gives a GPU (navigator.gpu), `globals` the GPU* classes and enums. */
export interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

export type DawnLoad = { ok: true; dawn: DawnModule; path: string } | { ok: false; why: string };

/** The folder name under webgpu/dist/ for a platform and arch (macOS ships one universal binary). */
export function dawnPlatformDir(platform: string, arch: string): string {
  return platform === 'darwin' ? 'darwin-universal' : `${platform}-${arch}`;
}

function runtimeRequire(): NodeJS.Require {
  return createRequire(typeof __filename === 'string' ? __filename : join(process.cwd(), 'index.js'));
}

/** dist/dawn.node beside the bundle, if the build put one there for this platform. */
function bundledDawn(): { path: string } | { why: string } | null {
  if (typeof __dirname !== 'string') return null;
  const path = join(__dirname, 'dawn.node');
  if (!existsSync(path)) return null;
  try {
    const meta = JSON.parse(readFileSync(join(__dirname, 'dawn.json'), 'utf8')) as { platform?: string; arch?: string };
    const want = dawnPlatformDir(process.platform, process.arch);
    if (meta.platform && dawnPlatformDir(meta.platform, meta.arch ?? '') !== want)
      return { why: `${path} is built for ${meta.platform}-${meta.arch}, this machine is ${process.platform}-${process.arch}` };
  } catch {
    /* no dawn.json: trust the file, loading it says whether it fits */
  }
  return { path };
}

/** dawn.node inside the installed `webgpu` package. */
function packagedDawn(): { path: string } | { why: string } {
  let pkgDir: string;
  try {
    pkgDir = dirname(runtimeRequire().resolve('webgpu/package.json'));
  } catch {
    return { why: 'the webgpu package (Dawn) is not installed and no dawn.node was shipped next to the program' };
  }
  const path = join(pkgDir, 'dist', dawnPlatformDir(process.platform, process.arch), 'dawn.node');
  if (!existsSync(path)) return { why: `the webgpu package has no Dawn binary for ${process.platform}-${process.arch}` };
  return { path };
}

let cached: DawnLoad | null = null;

/** Loads dawn.node once: beside the bundle first, then from the package. Never throws. */
export function loadDawn(): DawnLoad {
  if (cached) return cached;
  const whys: string[] = [];
  for (const candidate of [bundledDawn(), packagedDawn()]) {
    if (!candidate) continue;
    if ('why' in candidate) {
      whys.push(candidate.why);
      continue;
    }
    try {
      const dawn = runtimeRequire()(candidate.path) as DawnModule;
      if (typeof dawn?.create !== 'function') throw new Error('it exports no create()');
      return (cached = { ok: true, dawn, path: candidate.path });
    } catch (e) {
      whys.push(`${candidate.path} failed to load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    }
  }
  return (cached = { ok: false, why: whys.join('; ') });
}
