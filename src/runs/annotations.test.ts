import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepUserAnnotations, parseTags, shownName, withDisplayName, withStar, withTags } from './annotations';
import { RunWriter, rewriteRunInfo } from './writer';
import { sampleRunInfo } from '../../test/support/runFixtures';
import { UserError } from '../core/userError';

test('rename: a display name beside the name; the run’s own name or an empty one removes it', () => {
  const info = sampleRunInfo('20250101-000000-small-cnn-ab12', { name: 'small-cnn-baseline' });
  const renamed = withDisplayName(info, '  lr 0.1\n  sweep ');
  assert.equal(renamed.displayName, 'lr 0.1 sweep');
  assert.equal(renamed.name, 'small-cnn-baseline', 'the name the trainer gave stays');
  assert.equal(renamed.id, info.id, 'and the folder');
  assert.equal(shownName(renamed), 'lr 0.1 sweep');
  assert.equal('displayName' in withDisplayName(renamed, ''), false);
  assert.equal('displayName' in withDisplayName(renamed, 'small-cnn-baseline'), false);
  assert.throws(() => withDisplayName(info, 'x'.repeat(121)), UserError);
});

test('tags and star', () => {
  assert.deepEqual(parseTags(' baseline, lr  0.1 ,,baseline, fast '), ['baseline', 'lr 0.1', 'fast']);
  assert.throws(() => parseTags('y'.repeat(41)), /at most 40/);
  const info = sampleRunInfo('r');
  assert.deepEqual(withTags(info, ['a']).tags, ['a']);
  assert.equal('tags' in withTags(withTags(info, ['a']), []), false);
  assert.equal(withStar(info, true).starred, true);
  assert.equal('starred' in withStar(withStar(info, true), false), false);
});

test('rewriteRunInfo edits run.json in place, and the trainer’s later rewrites keep the edits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'annot-'));
  try {
    const writer = RunWriter.create(dir, sampleRunInfo('r', { status: 'running', name: 'orig' }));
    rewriteRunInfo(dir, (i) => withStar(withTags(withDisplayName(i, 'renamed'), ['x']), true));
    writer.update({ status: 'completed', endedAt: '2025-01-01T00:10:00.000Z' });
    const onDisk = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    assert.equal(onDisk.status, 'completed');
    assert.equal(onDisk.displayName, 'renamed');
    assert.deepEqual(onDisk.tags, ['x']);
    assert.equal(onDisk.starred, true);
    rewriteRunInfo(dir, (i) => withDisplayName(i, ''));
    writer.update({ error: null });
    assert.equal('displayName' in JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')), false, 'an undo is kept too');
    writeFileSync(join(dir, 'run.json'), '{"not":"a run"}');
    assert.throws(() => rewriteRunInfo(dir, (i) => i), /is not a run's run\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(keepUserAnnotations(sampleRunInfo('a'), null), sampleRunInfo('a'));
});
