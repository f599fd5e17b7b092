import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elapsedSeconds } from './elapsed';

const t0 = Date.parse('2025-01-01T00:00:00Z');

test('a running run’s elapsed time keeps counting between epoch records', () => {
  const running = { running: true, lastSeconds: 30, lastSeenAt: t0 + 31_000, startedAt: '2025-01-01T00:00:00Z', resumed: false };
  assert.equal(elapsedSeconds(running, t0 + 45_000), 45, 'from startedAt');
  assert.equal(elapsedSeconds({ ...running, startedAt: null }, t0 + 45_000), 44, 'from when the record was seen');
  assert.equal(elapsedSeconds({ ...running, resumed: true }, t0 + 45_000), 44, 'a resumed run: not from startedAt');
  assert.equal(elapsedSeconds({ ...running, lastSeconds: null, lastSeenAt: null, startedAt: null }, t0), null);
});

test('an ended run shows its last record’s clock', () => {
  assert.equal(
    elapsedSeconds({ running: false, lastSeconds: 30, lastSeenAt: t0, startedAt: '2025-01-01T00:00:00Z', resumed: false }, t0 + 999_000),
    30,
  );
});
