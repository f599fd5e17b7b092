import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchThrottle, Throttle, type Clock } from './throttle';

/** A manual clock: time moves only when the test says so. */
function fakeClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => { const id = next++; timers.push({ at: now + ms, fn, id }); return id; },
    clearTimeout: (h) => { timers = timers.filter((t) => t.id !== h); },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > end) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = end;
  };
  return { clock, advance };
}

test('Throttle runs at most once per interval, with a trailing call for the latest state', () => {
  const { clock, advance } = fakeClock();
  const calls: number[] = [];
  const t = new Throttle(() => calls.push(clock.now()), 100, clock);
  t.schedule();
  assert.deepEqual(calls, [0]);
  for (let i = 0; i < 1000; i++) { advance(1); t.schedule(); }  // 1000 updates over one second
  advance(200);
  assert.ok(calls.length <= 12 && calls.length >= 10, `calls: ${calls.length}`);
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i] - calls[i - 1] >= 100);
  assert.ok(calls[calls.length - 1] >= 1000, 'the last update is delivered');
  t.schedule();
  t.dispose();
  advance(1000);
  const n = calls.length;
  t.schedule();
  assert.equal(calls.length, n);
});

test('BatchThrottle delivers every item exactly once, in order, in few batches; flush delivers now', () => {
  const { clock, advance } = fakeClock();
  const batches: number[][] = [];
  const b = new BatchThrottle<number>((items) => batches.push(items), 100, clock);
  for (let i = 0; i < 500; i++) { b.push([i]); advance(1); }
  b.push([500]);
  b.flush();
  assert.deepEqual(batches.flat(), Array.from({ length: 501 }, (_, i) => i));
  assert.ok(batches.length <= 7, `batches: ${batches.length}`);
  b.push(Array.from({ length: 200_000 }, (_, i) => i));
  advance(100);
  assert.equal(batches[batches.length - 1].length, 200_000);
});
