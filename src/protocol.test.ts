import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FromWebview, parseWebviewMessage } from './protocol';

test('parseWebviewMessage accepts exactly the known messages', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: FromWebview.Ready });
  assert.deepEqual(parseWebviewMessage({ type: 'stop', runId: '2025-01-01_small-cnn' }), { type: FromWebview.Stop, runId: '2025-01-01_small-cnn' });
  assert.deepEqual(parseWebviewMessage({ type: 'export', format: 'csv', extra: 1 }), { type: FromWebview.Export, format: 'csv' }, 'extra fields are dropped, not passed on');
  assert.deepEqual(parseWebviewMessage({ type: 'setBaseline', runId: 'a b.c' }), { type: FromWebview.SetBaseline, runId: 'a b.c' });
});

test('parseWebviewMessage rejects malformed messages and run ids that could leave the runs directory', () => {
  const bad: unknown[] = [
    null, undefined, 42, 'stop', [], [{ type: 'ready' }],
    {}, { type: 'unknown' }, { type: 'STOP', runId: 'a' }, { command: 'stop', runId: 'a' },
    { type: 'stop' }, { type: 'stop', runId: 7 }, { type: 'stop', runId: '' },
    { type: 'stop', runId: '../../etc' }, { type: 'reveal', runId: 'a/b' }, { type: 'reveal', runId: 'a\\b' },
    { type: 'stop', runId: '..' }, { type: 'stop', runId: '.' }, { type: 'stop', runId: 'x'.repeat(256) },
    { type: 'stop', runId: 'a\0b' }, { type: 'export', format: 'pdf' }, { type: 'export' },
  ];
  for (const m of bad) assert.equal(parseWebviewMessage(m), null, JSON.stringify(m));
});
