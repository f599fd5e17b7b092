// A small JavaScript/TypeScript tokenizer for the tf.sequential parser (sequentialParser.ts):
// identifiers, numbers, strings, template literals, regex literals and punctuators, with their
// offsets; whitespace and comments are skipped. Not a full lexer: enough to find `tf.layers.xxx({...})`
// calls without being fooled by comments, strings, templates or regexes. Never throws.
// Pure: no vscode. Offsets are UTF-16 indices into the text.

export type TokKind = 'ident' | 'num' | 'str' | 'template' | 'regex' | 'punct';
export interface Tok {
  kind: TokKind;
  text: string;
  start: number;
  end: number;
}

const PUNCT = [
  '>>>=',
  '...',
  '===',
  '!==',
  '**=',
  '<<=',
  '>>=',
  '>>>',
  '&&=',
  '||=',
  '??=',
  '=>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '?.',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '**',
  '<<',
  '>>',
];
const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);

/** Splits JS/TS source into tokens, skipping whitespace and comments. Never throws: unterminated tokens run to the end. */
export function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  const n = text.length;
  let i = 0;
  const isIdStart = (c: string) => /[A-Za-z_$\u00c0-\uffff]/.test(c);
  const isId = (c: string) => /[A-Za-z0-9_$\u00c0-\uffff]/.test(c);
  const skipString = (q: string): void => {
    i++;
    while (i < n && text[i] !== q) {
      if (text[i] === '\\') i++;
      else if (text[i] === '\n') return; // unterminated
      i++;
    }
    i++;
  };
  const skipTemplate = (): void => {
    i++; // `
    while (i < n && text[i] !== '`') {
      if (text[i] === '\\') {
        i += 2;
        continue;
      }
      if (text[i] === '$' && text[i + 1] === '{') {
        i += 2;
        let depth = 1;
        while (i < n && depth > 0) {
          const c = text[i];
          if (c === '{') depth++;
          else if (c === '}') depth--;
          else if (c === '"' || c === "'") {
            skipString(c);
            continue;
          } else if (c === '`') {
            skipTemplate();
            continue;
          } else if (c === '/' && text[i + 1] === '/') {
            while (i < n && text[i] !== '\n') i++;
            continue;
          } else if (c === '/' && text[i + 1] === '*') {
            const e = text.indexOf('*/', i + 2);
            i = e < 0 ? n : e + 2;
            continue;
          }
          i++;
        }
        continue;
      }
      i++;
    }
    i++;
  };
  const regexAllowed = (): boolean => {
    const p = out[out.length - 1];
    if (!p) return true;
    if (p.kind === 'ident') return REGEX_AFTER_WORD.has(p.text);
    if (p.kind === 'punct') return !(p.text === ')' || p.text === ']' || p.text === '}' || p.text === '++' || p.text === '--');
    return false;
  };
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\ufeff') {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    const start = i;
    if (c === '"' || c === "'") {
      skipString(c);
      out.push({ kind: 'str', text: text.slice(start, Math.min(i, n)), start, end: Math.min(i, n) });
      continue;
    }
    if (c === '`') {
      skipTemplate();
      out.push({ kind: 'template', text: text.slice(start, Math.min(i, n)), start, end: Math.min(i, n) });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /0[xX][0-9a-fA-F_]+n?|0[oO][0-7_]+n?|0[bB][01_]+n?|(?:\d[\d_]*)?\.?[\d_]*(?:[eE][+-]?\d+)?n?/y;
      m.lastIndex = i;
      const r = m.exec(text);
      i += Math.max(1, r ? r[0].length : 1);
      out.push({ kind: 'num', text: text.slice(start, i), start, end: i });
      continue;
    }
    if (isIdStart(c) || c === '#' || c === '@') {
      i++;
      while (i < n && isId(text[i])) i++;
      out.push({ kind: 'ident', text: text.slice(start, i), start, end: i });
      continue;
    }
    if (c === '/' && regexAllowed()) {
      i++;
      let inClass = false;
      while (i < n && text[i] !== '\n') {
        const d = text[i];
        if (d === '\\') {
          i += 2;
          continue;
        }
        if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < n && /[a-z]/.test(text[i])) i++;
      out.push({ kind: 'regex', text: text.slice(start, i), start, end: i });
      continue;
    }
    const op = PUNCT.find((p) => text.startsWith(p, i)) ?? c;
    i += op.length;
    out.push({ kind: 'punct', text: op, start, end: i });
  }
  return out;
}
