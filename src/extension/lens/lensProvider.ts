// Code lenses and hovers with Tucker ranks on model files: TensorFlow.js Layers model.json files
// (ranks from the weights, computed in the worker) and tf.sequential models in TS/JS source
// (shape-only estimates). Never throws into VS Code: any failure becomes one lens saying so.
import * as vscode from 'vscode';
import { jsonLayerPositions, looksLikeModelJson } from '../../model/source/jsonPositions';
import { looksLikeSequentialSource } from '../../model/source/sequentialParser';
import type { PreviewContentView } from '../../protocol';
import { Commands } from '../constants';
import { Disposable } from '../dispose';
import type { ModelAnalyzer } from './analyzer';
import {
  analyzeSourceModels,
  errorText,
  hoverAt,
  jsonModelView,
  tooLargeView,
  sourceModelView,
  type AnalysisState,
  type LensAction,
  type LensView,
  type SourceAnalysis,
} from './lensText';
import type { LensSettings } from './lensSettings';

export const LENS_SELECTOR: vscode.DocumentSelector = [
  { language: 'json', scheme: 'file' },
  { language: 'jsonc', scheme: 'file' },
  { language: 'typescript' },
  { language: 'javascript' },
  { language: 'typescriptreact' },
  { language: 'javascriptreact' },
];

/** model.json files larger than this are not analysed (VS Code does not sync such files to extensions either). */
const MAX_JSON_CHARS = 50 * 1024 * 1024;
const MAX_SOURCE_CHARS = 5 * 1024 * 1024;

interface CachedView {
  version: number;
  settingsKey: string;
  /** JSON: the analysis state the view was built from (compared by identity). */
  state?: AnalysisState;
  sources?: SourceAnalysis[];
  view: LensView;
}

export function isJsonDocument(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'json' || doc.languageId === 'jsonc' || doc.fileName.toLowerCase().endsWith('.json');
}

export class ModelLensProvider extends Disposable implements vscode.CodeLensProvider, vscode.HoverProvider {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly views = new Map<string, CachedView>();
  /** Model paths whose analysis changed: the preview panel listens. */
  private readonly modelChanged = this._register(new vscode.EventEmitter<string>());
  readonly onDidChangeModel = this.modelChanged.event;

  constructor(
    private readonly analyzer: ModelAnalyzer,
    private readonly settings: () => LensSettings,
    private readonly output: vscode.LogOutputChannel,
  ) {
    super();
    this._register(
      analyzer.onDidChange((p) => {
        this.changed.fire();
        this.modelChanged.fire(p);
      }),
    );
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.views.delete(d.uri.toString())));
    this._register(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.views.clear(); // weights may be read now
        this.changed.fire();
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('tuckerTrain')) {
          this.views.clear();
          this.changed.fire();
        }
      }),
    );
  }

  private settingsKey(s: LensSettings): string {
    return `${s.policyText}|${s.quantize ?? ''}|${s.inputSize?.join('x') ?? ''}|${s.problem ?? ''}|${s.maxModelBytes}|${s.trusted}`;
  }

  /** The lenses and hovers of a document (cached per version and analysis state). */
  async viewOf(doc: vscode.TextDocument): Promise<LensView> {
    const s = this.settings();
    const key = this.settingsKey(s);
    const uri = doc.uri.toString();
    const cached = this.views.get(uri);
    try {
      if (isJsonDocument(doc)) {
        if (doc.uri.scheme !== 'file') return { lenses: [], hovers: [] };
        const text = doc.getText();
        if (!looksLikeModelJson(text)) return { lenses: [], hovers: [] };
        if (s.problem) return { lenses: [{ offset: 0, title: `$(warning) Tucker: ${s.problem}`, action: { kind: 'none' } }], hovers: [] };
        // Above the limit nothing is parsed, here or in the worker: the host stays responsive.
        const tooLarge = tooLargeView(Buffer.byteLength(text, 'utf8'), Math.min(s.maxModelBytes, MAX_JSON_CHARS));
        if (tooLarge) return tooLarge;
        const state = await this.analyzer.state(doc.uri.fsPath, text, doc.isDirty ? `v${doc.version}` : 'disk', {
          policy: s.policyText,
          quantize: s.quantize,
          inputSize: s.inputSize,
          readWeights: s.trusted,
        });
        if (cached && cached.version === doc.version && cached.settingsKey === key && cached.state === state) return cached.view;
        const view = jsonModelView(text, doc.uri.fsPath, state, { untrusted: !s.trusted });
        this.views.set(uri, { version: doc.version, settingsKey: key, state, view });
        return view;
      }
      if (cached && cached.version === doc.version && cached.settingsKey === key) return cached.view;
      const text = doc.getText();
      if (text.length > MAX_SOURCE_CHARS || !looksLikeSequentialSource(text)) return { lenses: [], hovers: [] };
      const sources = await analyzeSourceModels(text, doc.uri.fsPath || doc.uri.toString(), {
        policy: s.policy,
        quantize: s.quantize,
        inputSize: s.inputSize,
      });
      const view = sourceModelView(sources);
      this.views.set(uri, { version: doc.version, settingsKey: key, sources, view });
      return view;
    } catch (e) {
      this.output.error(`lens: ${doc.uri.fsPath}: ${e instanceof Error && e.stack ? e.stack : String(e)}`);
      return {
        lenses: [
          {
            offset: 0,
            title: `$(warning) Tucker: cannot show rank hints (${e instanceof Error ? e.message : String(e)}); see the Tucker Train output`,
            action: { kind: 'none' },
          },
        ],
        hovers: [],
      };
    }
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!this.settings().enabled) return [];
    const view = await this.viewOf(doc);
    return view.lenses.map((l) => {
      const at = doc.positionAt(l.offset);
      const range = new vscode.Range(at, at);
      const command: vscode.Command =
        l.action.kind === 'preview'
          ? { title: l.title, tooltip: l.tooltip, command: Commands.previewDecomposition, arguments: [doc.uri, l.action] }
          : { title: l.title, tooltip: l.tooltip, command: '' };
      return new vscode.CodeLens(range, command);
    });
  }

  async provideHover(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!this.settings().enabled) return undefined;
    const view = await this.viewOf(doc);
    const h = hoverAt(view, doc.offsetAt(position));
    if (!h) return undefined;
    const md = new vscode.MarkdownString(h.markdown);
    return new vscode.Hover(md, new vscode.Range(doc.positionAt(h.start), doc.positionAt(h.end)));
  }

  /** What the preview panel shows for a document (and, in source files, which model). */
  async previewContent(doc: vscode.TextDocument, action: LensAction | undefined): Promise<PreviewContentView> {
    await this.viewOf(doc);
    const cached = this.views.get(doc.uri.toString());
    const file = vscode.workspace.asRelativePath(doc.uri);
    const layer = action?.kind === 'preview' ? action.layer : undefined;
    if (isJsonDocument(doc)) {
      const state = cached?.state ?? {
        kind: 'error' as const,
        message: 'this file is not a TensorFlow.js Layers model.json (no "modelTopology")',
      };
      const shown = state.kind === 'error' ? { kind: 'error' as const, message: errorText(state.message, doc.uri.fsPath) } : state;
      return {
        title: `Preview decomposition: ${file.split(/[\\/]/).slice(-2).join('/')}`,
        file,
        state: shown,
        canTrain: state.kind === 'ready',
        highlight: layer,
      };
    }
    const index = action?.kind === 'preview' ? (action.model ?? 0) : 0;
    const a = cached?.sources?.[index];
    const state = a?.report
      ? { kind: 'ready' as const, report: a.report }
      : { kind: 'error' as const, message: a?.error ?? 'no tf.sequential model with tf.layers calls in this file' };
    const note = a?.cutReason ? `Shapes followed for the first ${a.cutAt} of ${a.model.layers.length} layers: ${a.cutReason}.` : undefined;
    return {
      title: `Preview decomposition: ${a?.model.binding ?? 'tf.sequential'} in ${file.split(/[\\/]/).pop()}`,
      file,
      state,
      canTrain: false,
      highlight: layer,
      note,
    };
  }

  /** Offset of a layer in a document (for "reveal" from the preview). */
  async layerOffset(doc: vscode.TextDocument, layer: string, model = 0): Promise<number | undefined> {
    if (isJsonDocument(doc)) {
      try {
        return jsonLayerPositions(doc.getText()).layers.find((l) => l.name === layer)?.start;
      } catch {
        return undefined;
      }
    }
    await this.viewOf(doc);
    const a = this.views.get(doc.uri.toString())?.sources?.[model];
    const i = a?.names.indexOf(layer) ?? -1;
    return a && i >= 0 ? a.model.layers[i].start : undefined;
  }

  refresh(doc: vscode.TextDocument): void {
    this.views.delete(doc.uri.toString());
    if (isJsonDocument(doc)) this.analyzer.invalidate(doc.uri.fsPath);
    this.changed.fire();
  }
}
