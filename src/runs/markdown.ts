// Text from files (run names, layer names, paths, error messages) inside Markdown that gets
// rendered (VS Code tooltips and hovers, the comparison and study reports): shown as itself,
// never as Markdown — no images or links that load remote content, no emphasis, no theme icons.

/** Markdown and VS Code theme-icon syntax, escaped with a backslash; line breaks become spaces. */
export function escapeMarkdown(s: string): string {
  return s.replace(/\r\n?|\n/g, ' ').replace(/[\\`*_{}[\]()#+\-.!|<>~$&:]/g, '\\$&');
}

/**
 * A table cell: the characters that open links and images ('[', '<'), HTML, emphasis, code or a
 * new cell are escaped; the rest (numbers, parentheses) is left as written, readable in the file.
 */
export function escapeMarkdownCell(s: string): string {
  return s.replace(/\r\n?|\n/g, ' ').replace(/[\\`*_[\]|<>~]/g, '\\$&');
}

/**
 * `s` as an inline code span (where backslash escapes do not work): a fence of more backticks
 * than `s` holds in a row, line breaks as spaces. In a table cell, escape its `|` (GFM allows
 * that inside code spans).
 */
export function codeSpan(s: string): string {
  const flat = s.replace(/\r\n?|\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
