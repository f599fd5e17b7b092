// Tiny seeded PRNG for tests and deterministic start vectors: mulberry32 + Box–Muller.

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** The whole generator state, plain JSON: `createRng(0, state)` continues the same sequence. */
  state(): RngState;
}

/** mulberry32's 32-bit counter and Box–Muller's cached second value (null: none cached). */
export interface RngState {
  s: number;
  spare: number | null;
}

export function isRngState(v: unknown): v is RngState {
  const r = v as RngState | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    Number.isInteger(r.s) &&
    r.s >= 0 &&
    r.s <= 0xffffffff &&
    (r.spare === null || Number.isFinite(r.spare))
  );
}

/** A seeded generator, or one continuing from a saved `state` (the seed is then ignored). */
export function createRng(seed: number, from?: RngState): Rng {
  let state = from ? from.s >>> 0 : seed >>> 0;
  let spare = from && from.spare !== null ? from.spare : NaN;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = NaN;
      return v;
    }
    let u = uniform();
    while (u <= 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return { uniform, normal, state: () => ({ s: state, spare: Number.isNaN(spare) ? null : spare }) };
}
