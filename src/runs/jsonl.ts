// Reading append-only JSON Lines files that another process may be writing right now.
// A torn last line (the writer crashed mid-write, or we read between two writes) is never an
// error: it is kept as pending text and completed by the next read, or reported as torn when the
// file is known to be finished.
import { open, stat } from 'node:fs/promises';

export interface JsonlParse<T> {
  records: T[];
  /** Lines that were complete but not valid JSON objects (1-based line numbers). */
  badLines: number[];
  /** Text after the last newline that did not parse yet: a line still being written, or torn. */
  pending: string;
}

/**
 * Parses `text` (which continues `pending` text from an earlier chunk). Complete lines must be JSON
 * objects; the trailing segment without a newline is accepted when it already parses as a JSON
 * object (a writer that omits the final newline), otherwise it is returned as `pending`.
 */
export function parseJsonlChunk<T>(pending: string, text: string, firstLineNumber = 1, accept?: (v: unknown) => v is T): JsonlParse<T> {
  const all = pending + text;
  const parts = all.split('\n');
  const tail = parts.pop() ?? '';
  const records: T[] = [];
  const badLines: number[] = [];
  let line = firstLineNumber;
  for (const raw of parts) {
    const s = raw.trim();
    if (s.length > 0) {
      const v = tryParseObject(s);
      if (v !== undefined && (!accept || accept(v))) records.push(v as T);
      else badLines.push(line);
    }
    line++;
  }
  let rest = tail;
  const t = tail.trim();
  if (t.length > 0) {
    const v = tryParseObject(t);
    if (v !== undefined && (!accept || accept(v))) {
      records.push(v as T);
      rest = '';
    }
  } else {
    rest = '';
  }
  return { records, badLines, pending: rest };
}

function tryParseObject(s: string): unknown {
  if (s[0] !== '{') return undefined;
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Follows one JSON Lines file by byte offset: each `read()` returns only the records appended since
 * the last call. A file that shrank or was replaced (smaller than our offset) is read again from
 * the start, with `reset: true`. A missing file reads as empty.
 */
export class JsonlTail<T> {
  private offset = 0;
  private pending = '';
  private lineNumber = 1;
  private decoder = new TextDecoder('utf-8');
  private reading: Promise<TailRead<T>> | null = null;

  constructor(readonly path: string, private readonly accept?: (v: unknown) => v is T) {}

  /** The unparsed text after the last newline (a line being written, or torn by a crash). */
  get pendingText(): string {
    return this.pending;
  }

  /** Reads what was appended since the last call. Concurrent calls share one read. */
  read(): Promise<TailRead<T>> {
    if (this.reading) return this.reading.then(() => this.read());
    this.reading = this.readNow().finally(() => { this.reading = null; });
    return this.reading;
  }

  private async readNow(): Promise<TailRead<T>> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch {
      const reset = this.offset > 0;
      this.clear();
      return { records: [], badLines: [], reset, missing: true };
    }
    let reset = false;
    if (size < this.offset) {
      this.clear();
      reset = true;
    }
    if (size === this.offset) return { records: [], badLines: [], reset, missing: false };
    const fh = await open(this.path, 'r').catch(() => null);
    if (!fh) return { records: [], badLines: [], reset, missing: true };
    try {
      const length = size - this.offset;
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, this.offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      this.offset += got;
      // Streaming decode: a UTF-8 sequence split across two reads is completed by the next one.
      const text = this.decoder.decode(buf.subarray(0, got), { stream: true });
      const parsed = parseJsonlChunk<T>(this.pending, text, this.lineNumber, this.accept);
      this.lineNumber += countNewlines(this.pending + text);
      this.pending = parsed.pending;
      return { records: parsed.records, badLines: parsed.badLines, reset, missing: false };
    } finally {
      await fh.close();
    }
  }

  private clear(): void {
    this.offset = 0;
    this.pending = '';
    this.lineNumber = 1;
    this.decoder = new TextDecoder('utf-8');
  }
}

export interface TailRead<T> {
  records: T[];
  badLines: number[];
  /** The file was truncated or replaced: drop what was read before and use `records` from scratch. */
  reset: boolean;
  missing: boolean;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
