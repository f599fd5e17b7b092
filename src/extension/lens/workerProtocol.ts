// Messages between the extension host and the lens worker thread (lensWorker.ts). Both sides
// import only this module's types; the worker never imports vscode.
import type { RanksReport } from '../../model/analyze';

export interface AnalyzeRequest {
  type: 'analyze';
  id: number;
  /** Absolute path of model.json (weight files are resolved next to it). */
  path: string;
  /** The model.json text (the editor's, which may be unsaved). */
  text: string;
  /** 'vbmf', 'ratio:F' or 'energy:F'. */
  policy: string;
  quantize?: number;
  inputSize?: [number, number];
  /** false: shapes only, no weight file is opened or even looked at (an untrusted workspace). Default true. */
  readWeights?: boolean;
}

/** Size and modification time of one file, as the worker saw it before reading. */
export interface FileStamp {
  file: string;
  /** `${size}:${mtimeMs}`, or 'missing'. */
  stamp: string;
}

export type AnalyzeResponse =
  | { type: 'result'; id: number; ok: true; report: RanksReport; weightFiles: FileStamp[]; ms: number }
  | { type: 'result'; id: number; ok: false; message: string; userError: boolean; weightFiles: FileStamp[]; ms: number };
