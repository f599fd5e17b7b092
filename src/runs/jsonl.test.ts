import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlTail, parseJsonlChunk } from './jsonl';

test('parseJsonlChunk keeps a torn last line pending and reports invalid complete lines', () => {
  const r = parseJsonlChunk<{ a: number }>('', '{"a":1}\nnot json\n{"a":2}\n{"a":3,"b"');
  assert.deepEqual(r.records, [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(r.badLines, [2]);
  assert.equal(r.pending, '{"a":3,"b"');
  const next = parseJsonlChunk<{ a: number; b: number }>(r.pending, ':4}\n', 4);
  assert.deepEqual(next.records, [{ a: 3, b: 4 }]);
  assert.equal(next.pending, '');
});

test('parseJsonlChunk accepts a complete last object without its newline, and skips blank lines and arrays', () => {
  const r = parseJsonlChunk('', '\n\n[1,2]\n{"a":1}');
  assert.deepEqual(r.records, [{ a: 1 }]);
  assert.deepEqual(r.badLines, [3]);
  assert.equal(r.pending, '');
});

test('JsonlTail reads only appended records, completes split lines and UTF-8, and restarts after truncation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
  try {
    const file = join(dir, 'm.jsonl');
    const tail = new JsonlTail<{ n: number; s?: string }>(file);
    assert.deepEqual(await tail.read(), { records: [], badLines: [], reset: false, missing: true });
    writeFileSync(file, '{"n":1}\n{"n":2,');
    let r = await tail.read();
    assert.deepEqual(r.records, [{ n: 1 }]);
    assert.equal(tail.pendingText, '{"n":2,');
    // Split a two-byte UTF-8 character between two appends.
    const bytes = new TextEncoder().encode('"s":"é"}\n');
    const cut = bytes.indexOf(0xc3) + 1;
    appendFileSync(file, bytes.subarray(0, cut));
    r = await tail.read();
    assert.deepEqual(r.records, []);
    appendFileSync(file, bytes.subarray(cut));
    r = await tail.read();
    assert.deepEqual(r.records, [{ n: 2, s: 'é' }]);
    assert.deepEqual((await tail.read()).records, []);
    writeFileSync(file, '{"n":9}\n');
    r = await tail.read();
    assert.equal(r.reset, true);
    assert.deepEqual(r.records, [{ n: 9 }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
