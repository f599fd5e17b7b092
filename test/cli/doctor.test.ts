// `tucker-train doctor` through the built CLI, as a user and the extension run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runDoctorProcess } from '../../src/extension/doctorProcess';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

test('doctor --json is the report the extension reads: every backend in order, cpu always there, auto among them', async () => {
  const r = await runDoctorProcess(cli, 120_000);
  assert.deepEqual(
    r.backends.map((b) => b.name),
    ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'],
  );
  for (const b of r.backends) assert.ok(b.available ? b.device && !b.reason : b.reason && !b.device, JSON.stringify(b));
  assert.ok(r.backends.find((b) => b.name === 'cpu')?.available);
  const chosen = r.backends.find((b) => b.name === r.auto.used);
  assert.ok(chosen?.available && chosen.device === r.auto.device, `auto chose ${r.auto.used}`);
  // auto never trains on a software adapter.
  assert.ok(!(r.auto.used === 'webgpu' && chosen.adapter?.software));
  assert.equal(r.node, process.version);
  if (process.platform === 'linux') assert.ok(r.vulkan);
});

test('doctor prints one line per backend and what auto would choose, and exits on its own', () => {
  const r = spawnSync(process.execPath, [cli, 'doctor'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  for (const name of ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'])
    assert.match(r.stdout, new RegExp(`\\n  ${name} +(yes|no) `));
  assert.match(r.stdout, /\nauto would choose: \S+ on .+\n$/);
});

test('doctor refuses arguments it does not know, in one line', () => {
  const r = spawnSync(process.execPath, [cli, 'doctor', '--frobnicate'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^tucker-train: doctor: Unknown option '--frobnicate'; see 'tucker-train doctor --help'\.\n$/);
});
