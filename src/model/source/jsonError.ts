// Where a JSON text stops being valid JSON, and why, in a few words. V8's JSON.parse messages do
// not always carry a position ("Unexpected token '}', ... is not valid JSON"), so on failure the
// text is parsed again with jsonc-parser (the parser VS Code itself uses) in strict mode: no
// comments, no trailing commas, no empty content — what JSON.parse accepts. Its first error gives
// the position; the wording below is this project's (the tests and the lenses quote it).
// Pure: no vscode, no tfjs.
//
// jsonc-parser is imported from its ES-module build: the package's `main` is a UMD file whose
// internal require() calls esbuild cannot follow, so a bundle of it fails at run time.
import { getLocation, parseTree, printParseErrorCode, type ParseError, type ParseOptions } from 'jsonc-parser/lib/esm/main.js';
import { lineColumn } from './lines';

/** Strict JSON: what JSON.parse accepts, nothing more. */
export const STRICT_JSON: ParseOptions = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false };

export interface JsonErrorPosition {
  /** 0-based character offset. */
  offset: number;
  /** 1-based line and column. */
  line: number;
  column: number;
  /** What was expected / found there, in a few words. */
  what: string;
}

/** A character as a message shows it: `'}'`, or `U+FEFF` for one that does not print. */
function charText(c: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this must name
  return /[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(c)
    ? `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}${c === '\ufeff' ? ' (a byte-order mark)' : ''}`
    : `'${c}'`;
}

/**
 * The first problem inside one string token (jsonc-parser reports string errors at the token's
 * opening quote): a control character, a bad escape, or the end of the token when it is not closed.
 */
function stringProblem(text: string, start: number, end: number): { offset: number; what: string } {
  for (let k = start + 1; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x5c) {
      const e = text[k + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(k + 2, k + 6))) return { offset: k, what: 'bad \\u escape in a string' };
        k += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) k++;
      else if (e !== undefined) return { offset: k, what: 'bad escape in a string' };
      continue;
    }
    if (c < 0x20) return { offset: k, what: 'control character inside a string' };
  }
  return { offset: end, what: 'unterminated string' };
}

/** Offset and wording of one of jsonc-parser's errors (in strict mode). */
export function describeParseError(text: string, e: ParseError): { offset: number; what: string } {
  const at = Math.min(e.offset, text.length);
  const ch = text[at];
  const found = ch === undefined ? 'end of file' : charText(ch);
  const code = printParseErrorCode(e.error);
  switch (code) {
    case 'UnexpectedEndOfString':
    case 'InvalidCharacter':
    case 'InvalidEscapeCharacter':
    case 'InvalidUnicode':
      return stringProblem(text, at, Math.min(e.offset + e.length, text.length));
    case 'InvalidSymbol': {
      const word = text.slice(at, at + Math.max(1, e.length));
      return {
        offset: at,
        what: word.length === 1 ? `unexpected ${found}` : `unexpected '${word.length > 20 ? `${word.slice(0, 20)}…` : word}'`,
      };
    }
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return { offset: at, what: `invalid number '${text.slice(at, at + Math.max(1, e.length))}'` };
    case 'ValueExpected':
      return { offset: at, what: ch === undefined ? 'unexpected end of file, expected a value' : `unexpected ${found}, expected a value` };
    case 'PropertyNameExpected':
      return { offset: at, what: `expected a double-quoted property name, found ${found}` };
    case 'ColonExpected':
      return { offset: at, what: `expected ':' after property name, found ${found}` };
    case 'CommaExpected': {
      // In an object or in an array? The path to the error says (its last key is a name or an index).
      const path = getLocation(text, at).path;
      const inArray = typeof path[path.length - 1] === 'number';
      return {
        offset: at,
        what: inArray
          ? `expected ',' or ']' after array element, found ${found}`
          : `expected ',' or '}' after property value, found ${found}`,
      };
    }
    case 'CloseBraceExpected':
      return { offset: at, what: `expected ',' or '}' after property value, found ${found}` };
    case 'CloseBracketExpected':
      return { offset: at, what: `expected ',' or ']' after array element, found ${found}` };
    case 'EndOfFileExpected':
      return { offset: at, what: `unexpected ${found} after the end of the JSON value` };
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return { offset: at, what: 'comments are not allowed in JSON' };
    default:
      return { offset: at, what: `${code} at ${found}` };
  }
}

/**
 * The first error of a strict parse of `text` (offset and wording), or null when it is valid JSON.
 * A nesting too deep for the parser's recursion is reported at the start.
 */
export function firstJsonError(text: string): { offset: number; what: string } | null {
  const errors: ParseError[] = [];
  try {
    parseTree(text, errors, STRICT_JSON);
  } catch (e) {
    if (e instanceof RangeError) return { offset: 0, what: 'nested too deeply' };
    throw e;
  }
  return errors[0] ? describeParseError(text, errors[0]) : null;
}

/** Returns the position of the first syntax error, or null when `text` is valid JSON. Only called on the error path. */
export function findJsonError(text: string): JsonErrorPosition | null {
  const e = firstJsonError(text);
  if (!e) return null;
  const at = lineColumn(text, e.offset);
  return { offset: e.offset, line: at.line + 1, column: at.column + 1, what: e.what };
}
