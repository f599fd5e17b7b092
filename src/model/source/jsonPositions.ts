// Where the layers of a TensorFlow.js Layers model.json are written, for the code lenses: the
// text range and line of each layer object, from ONE strict parse of the file with jsonc-parser
// (JSON.parse keeps no offsets) and one pass to index the line starts. A 20,000-layer, 2 MB
// model.json takes tens of milliseconds (the old per-layer line counting from the start of the
// file took a minute). Pure: no vscode, no tfjs. Offsets are UTF-16 indices into the text.
import { findNodeAtLocation, parseTree, type Node, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { STRICT_JSON, describeParseError } from './jsonError';
import { LineIndex } from './lines';

export class JsonScanError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Parses JSON into jsonc-parser's tree (nodes carry offset and length). Strict: throws
 * JsonScanError at the first syntax error, with the offset and the wording of jsonError.ts.
 * A leading byte-order mark is skipped (editors may write one).
 */
export function parseJsonTree(text: string): Node {
  // A space in place of the BOM keeps every offset where it is.
  const src = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const errors: ParseError[] = [];
  let root: Node | undefined;
  try {
    root = parseTree(src, errors, STRICT_JSON);
  } catch (e) {
    if (e instanceof RangeError) throw new JsonScanError('nested too deeply', 0);
    throw e;
  }
  if (errors[0]) {
    const d = describeParseError(src, errors[0]);
    throw new JsonScanError(d.what, d.offset);
  }
  if (!root) throw new JsonScanError('unexpected end of file, expected a value', 0);
  return root;
}

/** The value of `key` in an object node (the first one, if the key is repeated). */
function child(node: Node | undefined, key: string): Node | undefined {
  return node?.type === 'object' ? findNodeAtLocation(node, [key]) : undefined;
}

/** Where one layer of a model.json is written. */
export interface JsonLayerPosition {
  name: string;
  className: string;
  /** The layer object `{ ... }`. */
  start: number;
  end: number;
  /** 0-based line of `start`. */
  line: number;
}

export interface JsonModelPositions {
  /** Offset of the `modelTopology` property (where the file-level lens goes); 0 when not found. */
  readonly topologyOffset: number;
  /** Shared with later calls for the same text (see jsonLayerPositions): not to be changed. */
  readonly layers: readonly JsonLayerPosition[];
}

/** Quick test: could this JSON text be a TensorFlow.js Layers model file? */
export function looksLikeModelJson(text: string): boolean {
  return text.includes('"modelTopology"');
}

let last: { text: string; positions: JsonModelPositions } | null = null;

/**
 * Positions of the layers of a model.json text, named exactly as modelJson.parseModelJson names
 * them. Throws JsonScanError for malformed JSON; returns no layers when the text is JSON but not
 * a Layers model.
 */
export function jsonLayerPositions(text: string): JsonModelPositions {
  // The lenses ask for the same text's positions several times (while computing, when the ranks
  // are ready, on a reveal from the preview): the last result is kept. Comparing a large text with
  // the last one costs far less than parsing it again.
  if (last && last.text === text) return last.positions;
  const positions = computePositions(text);
  last = { text, positions };
  return positions;
}

function computePositions(text: string): JsonModelPositions {
  const root = parseJsonTree(text);
  const topoValue = child(root, 'modelTopology');
  let topo = topoValue;
  // Keras-exported files nest the model under modelTopology.model_config.
  const nested = child(topo, 'model_config');
  if (nested?.type === 'object') topo = nested;
  const config = child(topo, 'config');
  // Old Keras: the layer list is the config itself.
  const list = config?.type === 'array' ? config : child(config, 'layers');
  const layers: JsonLayerPosition[] = [];
  if (list?.type === 'array') {
    const lines = new LineIndex(text);
    list.children!.forEach((l, index) => {
      const cls = child(l, 'class_name');
      if (cls?.type !== 'string') return;
      const direct = child(l, 'name');
      const inConfig = child(child(l, 'config'), 'name');
      const className = String(cls.value);
      const name =
        direct?.type === 'string'
          ? String(direct.value)
          : inConfig?.type === 'string'
            ? String(inConfig.value)
            : `${className.toLowerCase()}_${index}`;
      layers.push({ name, className, start: l.offset, end: l.offset + l.length, line: lines.lineOf(l.offset) });
    });
  }
  // The property node's first child is its key (offset of the opening quote).
  const topologyOffset = topoValue?.parent?.children?.[0]?.offset ?? 0;
  return { topologyOffset, layers };
}
