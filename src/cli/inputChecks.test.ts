import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRunsDir, type DirProbe } from './inputChecks';

const fresh = () => mkdtempSync(join(tmpdir(), 'tucker-runsdir-'));
const probe = (over: Partial<DirProbe>): DirProbe => ({ statfsType: () => 0xef53 /* ext4 */, access: () => {}, ...over });

test('a read-only file system is reported as read-only (EROFS), naming the folder checked', () => {
  const dir = fresh();
  const erofs = () => {
    throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
  };
  assert.throws(
    () => checkRunsDir(join(dir, 'runs'), '--runs-dir', probe({ access: erofs })),
    new RegExp(
      `^UserError: --runs-dir ${dir}/runs: not writable \\(EROFS: it is on a read-only file system\\); checked ${dir}, the nearest folder that exists; choose another folder with --runs-dir$`,
    ),
  );
  assert.equal(existsSync(join(dir, 'runs')), false, 'nothing is created while checking');
});

test("a kernel's virtual file system (by statfs type) is refused wherever it is mounted", { skip: process.platform !== 'linux' }, () => {
  assert.throws(
    () => checkRunsDir(fresh(), '--runs-dir', probe({ statfsType: () => 0x9fa0 })),
    /it is on a 'proc' file system, a kernel view that holds no files/,
  );
  assert.throws(() => checkRunsDir(fresh(), '--runs-dir', probe({ statfsType: () => 0x62656572 })), /'sysfs'/);
  assert.doesNotThrow(() => checkRunsDir(join(fresh(), 'a', 'b')), 'a folder still to be created under a writable one');
});
