// The machine a run trains on, as run.json records it (the trainer; a Slurm job adopting its queued run).
import { arch, cpus, hostname, platform } from 'node:os';
import type { HostInfo } from './types';

export function hostInfo(): HostInfo {
  return { hostname: hostname(), platform: platform(), arch: arch(), cpus: cpus().length, node: process.version };
}
