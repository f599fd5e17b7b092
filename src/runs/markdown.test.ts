import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeSpan, escapeMarkdown, escapeMarkdownCell } from './markdown';

test('escapeMarkdown: names from files render as text — no image, link, emphasis, HTML or theme icon', () => {
  const evil = '![x](https://evil.example/p.png) [a](command:rm) <img src=x> **b** $(error) `c` https://evil.example\nsecond line';
  const s = escapeMarkdown(evil);
  assert.ok(!/(?<!\\)!(?<!\\)\[/.test(s));
  for (const ch of ['[', ']', '(', ')', '<', '>', '*', '`', '$', ':']) {
    for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) assert.equal(s[i - 1], '\\', `${ch} at ${i} escaped in ${s}`);
  }
  assert.ok(!s.includes('\n'), 'one line');
  assert.equal(escapeMarkdown('été_run-1.5'), 'été\\_run\\-1\\.5');
});

test('escapeMarkdownCell keeps numbers readable and neutralises links and new cells', () => {
  assert.equal(escapeMarkdownCell('92.50 % (baseline)'), '92.50 % (baseline)');
  assert.equal(escapeMarkdownCell('a|b ![i](u)'), 'a\\|b !\\[i\\](u)');
});

test('codeSpan: a fence longer than any backtick run inside, so the name cannot close it', () => {
  assert.equal(codeSpan('conv1'), '`conv1`');
  assert.equal(codeSpan('a`b'), '``a`b``');
  assert.equal(codeSpan('`x``'), '``` `x`` ```');
  assert.equal(codeSpan('two\nlines'), '`two lines`');
});
