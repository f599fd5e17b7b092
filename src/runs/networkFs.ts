// Whether the runs folder lies on a network file system, where inotify sees only this machine's
// writes: a run written by a Slurm job on another node would never show up live. Linux:
// /proc/mounts, the longest mount point containing the folder. Elsewhere: unknown (no polling).
import { readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';

const NETWORK = /^(nfs4?|cifs|smb3?|smbfs|lustre|gpfs|beegfs|ceph|cephfs|glusterfs|fuse\.glusterfs|fuse\.sshfs|fuse\.s3fs|fuse\.rclone|fuse\.beegfs|9p|afs|panfs|ocfs2|gfs2|wekafs|fuse\.weka|fuse\.juicefs|davfs|fuse\.davfs2|virtiofs)$/;

/** The file system type of the mount holding `dir`, from /proc/mounts text; null when unknown. */
export function fsTypeOf(dir: string, mounts: string): string | null {
  const target = resolve(dir);
  let best: { point: string; type: string } | null = null;
  for (const line of mounts.split('\n')) {
    const [, rawPoint, type] = line.split(' ');
    if (!rawPoint || !type) continue;
    const point = rawPoint.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))); // \040 = space
    const inside = target === point || target.startsWith(point.endsWith(sep) ? point : point + sep);
    if (inside && (!best || point.length >= best.point.length)) best = { point, type };
  }
  return best?.type ?? null;
}

export function isNetworkFsType(type: string | null): boolean {
  return type !== null && NETWORK.test(type);
}

/** `tuckerTrain.watch.usePolling`: 'auto' polls on a network file system, 'always'/'never' as said. */
export function shouldPoll(setting: 'auto' | 'always' | 'never', dir: string, readMounts: () => string = () => readFileSync('/proc/mounts', 'utf8')): { poll: boolean; why: string } {
  if (setting === 'always') return { poll: true, why: 'tuckerTrain.watch.usePolling is always' };
  if (setting === 'never') return { poll: false, why: 'tuckerTrain.watch.usePolling is never' };
  let type: string | null = null;
  try {
    type = fsTypeOf(dir, readMounts());
  } catch {
    return { poll: false, why: 'no /proc/mounts (not Linux): file events' };
  }
  return isNetworkFsType(type)
    ? { poll: true, why: `${dir} is on ${type}, where file events from other machines are not delivered: polling` }
    : { poll: false, why: `${dir} is on ${type ?? 'an unknown file system'}: file events` };
}
