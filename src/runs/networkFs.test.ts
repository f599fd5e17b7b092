import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fsTypeOf, isNetworkFsType, shouldPoll } from './networkFs';

// Recorded from a cluster login node's /proc/mounts (trimmed).
const MOUNTS = `overlay / overlay rw,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
/dev/sda1 /home ext4 rw,relatime 0 0
fs01:/export/home /home/shared nfs4 rw,relatime,vers=4.2 0 0
10.0.0.5@o2ib:/scratch /scratch lustre rw,flock 0 0
gpfs0 /gpfs gpfs rw,relatime 0 0
//nas/lab /mnt/lab\\040data cifs rw,relatime 0 0
`;

test('the mount holding a folder: the longest mount point containing it', () => {
  assert.equal(fsTypeOf('/home/me/runs', MOUNTS), 'ext4');
  assert.equal(fsTypeOf('/home/shared/me/runs', MOUNTS), 'nfs4');
  assert.equal(fsTypeOf('/home/sharedX/runs', MOUNTS), 'ext4', 'a prefix of the name is not a parent');
  assert.equal(fsTypeOf('/scratch/u/runs', MOUNTS), 'lustre');
  assert.equal(fsTypeOf('/mnt/lab data/runs', MOUNTS), 'cifs', 'octal escapes in mount points');
  assert.equal(fsTypeOf('/tmp/x', MOUNTS), 'overlay');
  assert.ok(['nfs', 'nfs4', 'cifs', 'lustre', 'gpfs', 'beegfs', 'fuse.sshfs'].every(isNetworkFsType));
  assert.ok(!['ext4', 'xfs', 'overlay', 'tmpfs', 'btrfs', null].some(isNetworkFsType));
});

test('usePolling: auto polls on network file systems only; always and never as said', () => {
  assert.deepEqual(shouldPoll('auto', '/gpfs/proj/runs', () => MOUNTS), {
    poll: true,
    why: '/gpfs/proj/runs is on gpfs, where file events from other machines are not delivered: polling',
  });
  assert.equal(shouldPoll('auto', '/home/me/runs', () => MOUNTS).poll, false);
  assert.equal(shouldPoll('always', '/home/me/runs', () => MOUNTS).poll, true);
  assert.equal(shouldPoll('never', '/scratch/runs', () => MOUNTS).poll, false);
  assert.equal(shouldPoll('auto', '/x', () => { throw new Error('ENOENT'); }).poll, false);
});
