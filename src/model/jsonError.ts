// Where a JSON text stops being valid JSON. V8's JSON.parse messages do not always carry a
// position ("Unexpected token '}', ... is not valid JSON"), so on failure we rescan the text
// with this small strict scanner to report line and column. Only called on the error path.

export interface JsonErrorPosition {
  /** 0-based character offset. */
  offset: number;
  /** 1-based line and column. */
  line: number;
  column: number;
  /** What was expected / found there, in a few words. */
  what: string;
}

class Stop extends Error {
  constructor(readonly at: number, readonly what: string) { super(what); }
}

/** Returns the position of the first syntax error, or null when `text` is valid JSON. */
export function findJsonError(text: string): JsonErrorPosition | null {
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const found = (): string => (i >= n ? 'end of file' : `'${text[i]}'`);
  const value = (): void => {
    ws();
    if (i >= n) throw new Stop(i, 'unexpected end of file, expected a value');
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Stop(i, `expected a double-quoted property name, found ${found()}`);
        string();
        ws();
        if (text[i] !== ':') throw new Stop(i, `expected ':' after property name, found ${found()}`);
        i++;
        value();
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        throw new Stop(i, `expected ',' or '}' after property value, found ${found()}`);
      }
    }
    if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        throw new Stop(i, `expected ',' or ']' after array element, found ${found()}`);
      }
    }
    if (c === '"') { string(); return; }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) { i += lit.length; return; }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0].length > 0 && m[0] !== '-') { i += m[0].length; return; }
    throw new Stop(i, `unexpected ${found()}, expected a value`);
  };
  const string = (): void => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return; }
      if (c < 0x20) throw new Stop(i, 'control character inside a string');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i, 'bad \\u escape in a string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new Stop(i, 'bad escape in a string');
      } else i++;
    }
    throw new Stop(i, 'unterminated string');
  };
  try {
    // A byte-order mark is not JSON; JSON.parse rejects it too.
    value();
    ws();
    if (i < n) throw new Stop(i, `unexpected ${found()} after the end of the JSON value`);
    return null;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return { offset: e.at, ...lineColumn(text, e.at), what: e.what };
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 0x0a) { line++; lineStart = k + 1; }
  }
  return { line, column: offset - lineStart + 1 };
}
