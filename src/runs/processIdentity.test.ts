import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSameProcess, processStartTime, type ProcessProbe } from './processIdentity';

function fakeProc(pid: number, stat: string, bootId = 'b00t'): string {
  const root = mkdtempSync(join(tmpdir(), 'tucker-proc-'));
  mkdirSync(join(root, String(pid)));
  writeFileSync(join(root, String(pid), 'stat'), stat);
  mkdirSync(join(root, 'sys', 'kernel', 'random'), { recursive: true });
  writeFileSync(join(root, 'sys', 'kernel', 'random', 'boot_id'), `${bootId}\n`);
  return root;
}

test('the start time is field 22 of /proc/<pid>/stat, read after the command name even when it holds spaces and parentheses', () => {
  // fields 3.. after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime
  const after = 'S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 0 987654 100 200';
  assert.equal(processStartTime(42, fakeProc(42, `42 (node) ${after}`)), 'b00t:987654');
  assert.equal(processStartTime(42, fakeProc(42, `42 (evil) (name ) x) ${after}`)), 'b00t:987654');
  assert.equal(processStartTime(42, fakeProc(42, '42 (node) S 1')), null, 'a short line: unknown');
  assert.equal(processStartTime(43, fakeProc(42, `42 (node) ${after}`)), null, 'no such process');
});

test('this process: a stable start time on Linux, none elsewhere', () => {
  const a = processStartTime(process.pid);
  if (process.platform === 'linux') {
    assert.match(a!, /^[\w-]*:\d+$/);
    assert.equal(processStartTime(process.pid), a);
  } else {
    assert.equal(a, null);
  }
});

test('isSameProcess: the pid must exist and, where a start time was recorded and can be read, match it', () => {
  const probe = (start: string | null, exists = true): ProcessProbe => ({ exists: () => exists, startTime: () => start });
  assert.equal(isSameProcess(7, 'b:1', probe('b:1')), true);
  assert.equal(isSameProcess(7, 'b:1', probe('b:2')), false, 'reused pid');
  assert.equal(isSameProcess(7, 'b:1', probe('b:1', false)), false, 'gone');
  assert.equal(isSameProcess(7, null, probe('b:2')), true, 'nothing recorded (older run.json): the pid decides');
  assert.equal(isSameProcess(7, 'b:1', probe(null)), true, 'cannot read it here (not Linux): the pid decides');
});
