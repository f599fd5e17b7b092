import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findJsonError, firstJsonError } from './jsonError';

test('findJsonError agrees with JSON.parse', () => {
  const good = ['{}', '[]', '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"]}', ' 0 ', '"s"'];
  for (const g of good) assert.equal(findJsonError(g), null, g);
  const bad: [string, number][] = [
    ['{"a":}', 5],
    ['{"a":1', 6],
    ['{"a":1,}', 7],
    ['[1,2]x', 5],
    ['{"a": tru}', 6],
    ['[01]', 2],
    ['"abc', 4],
    ['{"a"\n:1 2}', 8],
  ];
  for (const [b, at] of bad) {
    assert.throws(() => JSON.parse(b));
    assert.equal(findJsonError(b)?.offset, at, b);
  }
  assert.deepEqual(findJsonError('{\n "a": ]')?.line, 2);
});

test('findJsonError: 1-based line and column of a malformed model.json, with what was found there', () => {
  const text =
    '{\n  "format": "layers-model",\n  "modelTopology": {\n    "class_name": "Sequential",\n    "config": {"layers": [\n      {"class_name": "Dense" "config": {}}\n    ]}\n  }\n}\n';
  assert.throws(() => JSON.parse(text));
  const e = findJsonError(text)!;
  assert.deepEqual({ line: e.line, column: e.column }, { line: 6, column: 30 });
  assert.equal(text.split('\n')[e.line - 1][e.column - 1], '"');
  assert.equal(e.offset, text.indexOf('"config": {}'));
  assert.equal(e.what, `expected ',' or '}' after property value, found '"'`);
  // The wordings the lenses and readModelJson's messages quote.
  const what = (t: string): string | undefined => firstJsonError(t)?.what;
  assert.equal(what('{"class_name": }'), "unexpected '}', expected a value");
  assert.equal(what(''), 'unexpected end of file, expected a value');
  assert.equal(what('{"a":1'), "expected ',' or '}' after property value, found end of file");
  assert.equal(what('[1 2]'), "expected ',' or ']' after array element, found '2'");
  assert.equal(what('{"a" 1}'), "expected ':' after property name, found '1'");
  assert.equal(what('{a: 1}'), "unexpected 'a'");
  assert.equal(what('{"a": tru}'), "unexpected 'tru'");
  assert.equal(what('[1] 2'), "unexpected '2' after the end of the JSON value");
  assert.equal(what('{} // c'), 'comments are not allowed in JSON');
  assert.equal(what('\ufeff{}'), 'unexpected U+FEFF (a byte-order mark)');
  // String errors point into the string, not at its opening quote.
  assert.deepEqual(firstJsonError('["ok", "a\tb"]'), { offset: 9, what: 'control character inside a string' });
  assert.deepEqual(firstJsonError('["a\\qb"]'), { offset: 3, what: 'bad escape in a string' });
  assert.deepEqual(firstJsonError('["\\u12g4"]'), { offset: 2, what: 'bad \\u escape in a string' });
  assert.deepEqual(firstJsonError('{"a": "xyz'), { offset: 10, what: 'unterminated string' });
  // Line breaks: \r\n counts as one line; columns are UTF-16 code units after the last \n.
  const crlf = findJsonError('{\r\n  "a": 1,\r\n  "b": }');
  assert.deepEqual([crlf?.line, crlf?.column], [3, 8]);
});
