// `--decide measured` at decomposition time (docs/design.md §5.7): the forms of one layer
// (original, Tucker-2 block or SVD split at each candidate's ranks), timed by a LayerTimer, and
// the pure rule's verdict (src/core/measuredChoice.ts).
import { decideMeasured, rankCandidates } from '../core/measuredChoice';
import type { MeasuredLayer } from '../runs/types';
import type { LayerForm, LayerStage, LayerTimer } from './layerTiming';

export interface DecideOptions {
  timer: LayerTimer;
  batch: number;
  /** Also time the ranks rounded up to this multiple (1: only the ranks as chosen, e.g. under --quantize N). */
  quantum: number;
}

/** What the surgery knows of a Conv2D: its geometry and configuration. */
export interface ConvShape {
  input: number[]; // [H, W, Cin]
  kh: number;
  kw: number;
  cout: number;
  strides: [number, number];
  padding: 'same' | 'valid';
  dilation: [number, number];
  bias: boolean;
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v ?? 1), Number(v ?? 1)]);

/** A Conv2D layer's JSON config as the shape the timer needs. */
export function convShapeOf(config: Record<string, unknown>, input: number[], kernel: number[]): ConvShape {
  return {
    input,
    kh: kernel[0],
    kw: kernel[1],
    cout: kernel[3],
    strides: pair(config.strides),
    padding: config.padding === 'same' ? 'same' : 'valid',
    dilation: pair(config.dilation_rate),
    bias: config.use_bias !== false,
  };
}

function conv(c: ConvShape): LayerStage {
  return { kind: 'conv', kh: c.kh, kw: c.kw, filters: c.cout, strides: c.strides, padding: c.padding, dilation: c.dilation, bias: c.bias };
}

function pointwise(filters: number, bias: boolean, strides: [number, number] = [1, 1], padding: 'same' | 'valid' = 'valid'): LayerStage {
  return { kind: 'conv', kh: 1, kw: 1, filters, strides, padding, dilation: [1, 1], bias };
}

export function convForm(c: ConvShape): LayerForm {
  return { input: c.input, stages: [conv(c)] };
}

/** The Tucker-2 block of §5.2: 1×1 Cin→K1, kh×kw K1→K2 (stride, padding, dilation), 1×1 K2→Cout (bias). */
export function tuckerForm(c: ConvShape, k1: number, k2: number): LayerForm {
  return {
    input: c.input,
    stages: [pointwise(k1, false), { ...conv(c), filters: k2, bias: false } as LayerStage, pointwise(c.cout, c.bias)],
  };
}

/** A 1×1 conv split at rank r: the stride on the first half, the bias on the second. */
export function pointwiseSplitForm(c: ConvShape, r: number): LayerForm {
  return { input: c.input, stages: [pointwise(r, false, c.strides, c.padding), pointwise(c.cout, c.bias)] };
}

export function denseForm(input: number[], units: number, bias: boolean): LayerForm {
  return { input, stages: [{ kind: 'dense', units, bias }] };
}

export function denseSplitForm(input: number[], units: number, bias: boolean, r: number): LayerForm {
  return {
    input,
    stages: [
      { kind: 'dense', units: r, bias: false },
      { kind: 'dense', units, bias },
    ],
  };
}

/**
 * Times the original form and each candidate's decomposed form (the chosen ranks, and those rounded
 * up to `quantum` where the skip rule `accept`s them), and applies the rule.
 */
export async function measureLayer(
  d: DecideOptions,
  original: LayerForm,
  ranks: number[],
  full: number[],
  formAt: (ranks: number[]) => LayerForm,
  accept: (ranks: number[]) => boolean,
): Promise<MeasuredLayer> {
  const candidates = rankCandidates(ranks, full, d.quantum, accept);
  const [originalMs, ...ms] = await d.timer.time([original, ...candidates.map((c) => formAt(c.ranks))]);
  const timed = candidates.map((c, i) => ({ ranks: c.ranks, label: c.label, ms: round(ms[i]) }));
  const decision = decideMeasured(round(originalMs), timed);
  return { batch: d.batch, originalMs: round(originalMs), candidates: timed, chosen: decision.chosen, reason: decision.reason };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
