// A minimal WebAssembly assembler: LEB128 numbers, sections, the opcodes the kernels use, and a
// module of functions plus one memory. Enough to write the kernels in TypeScript as byte lists, so
// the project needs no wasm toolchain and ships no binary files.

export function uleb(n: number): number[] {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
}

function sleb(n: number): number[] {
  const o: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      o.push(b);
      return o;
    }
    o.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  ltU: [0x49],
  eqz: [0x45],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  f64Load: (off: number) => [0x2b, 3, ...uleb(off)],
  f32Load: (off: number) => [0x2a, 2, ...uleb(off)],
  f64Store: (off: number) => [0x39, 3, ...uleb(off)],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  and: [0x71],
  or: [0x72],
  geU: [0x4f],
  br: (d: number) => [0x0c, ...uleb(d)],
  if: [0x04, 0x40],
  simd: (code: number) => [0xfd, ...uleb(code)],
};
export const v128Load = (off: number) => [...op.simd(0x00), 4, ...uleb(off)];
export const v128Zero = [...op.simd(0x0c), ...new Array<number>(16).fill(0)];
export const f64x2Add = op.simd(0xf0);
export const f64x2Mul = op.simd(0xf2);
export const f64x2Sub = op.simd(0xf1);
export const f64x2Splat = op.simd(0x14);
export const v128Store = (off: number) => [...op.simd(0x0b), 4, ...uleb(off)];
export const f64x2Lane = (lane: number) => [...op.simd(0x21), lane];
export const f64x2Madd = op.simd(0x107); // relaxed: a·b + c
export const v128Load64Zero = (off: number) => [...op.simd(0x5d), 3, ...uleb(off)];
export const f64x2PromoteLow = op.simd(0x5f);
export const f32x4Add = op.simd(0xe4);
export const f32x4Sub = op.simd(0xe5);
export const f32x4Mul = op.simd(0xe6);
export const f32x4Max = op.simd(0xe9);
export const f32x4Splat = op.simd(0x13);
export const f32x4Gt = op.simd(0x44);
export const v128Not = op.simd(0x4d);
export const v128And = op.simd(0x4e);
export const v128AndNot = op.simd(0x4f); // a & ~b
export const v128Or = op.simd(0x50);
export const v128Bitselect = op.simd(0x52); // (a & c) | (b & ~c)

/** A function body being written: `emit` appends byte lists to `b`. */
export function emitter(): { b: number[]; emit: (...parts: number[][]) => void } {
  const b: number[] = [];
  return {
    b,
    emit: (...parts) => {
      for (const p of parts) b.push(...p);
    },
  };
}

/** local += by (i32). */
export const addTo = (local: number, by: number): number[] => [...op.get(local), ...op.i32(by), ...op.add, ...op.set(local)];

export interface FuncDef {
  params: number[];
  results: number[];
  locals: [number, number][];
  body: number[];
}

/**
 * A module of the given functions, exported under exportNames, plus one growable memory: its own,
 * exported as 'mem', or with `importMemory` one imported as env.memory (to work in place in
 * another module's heap, e.g. tfjs' wasm backend).
 */
export function moduleBytes(funcs: FuncDef[], exportNames: string[], opts: { importMemory?: boolean } = {}): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const codes = funcs.map((f) => {
    const body = [...vec(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body, ...op.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, vec(types)),
    ...(opts.importMemory ? section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, 0]])) : []), // any size, no maximum
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...(opts.importMemory ? [] : section(5, vec([[0x00, 1]]))), // one memory, 1 page initially, grown from JS
    ...section(
      7,
      vec([...(opts.importMemory ? [] : [[...str('mem'), 0x02, 0]]), ...exportNames.map((name, i) => [...str(name), 0x00, ...uleb(i)])]),
    ),
    ...section(10, vec(codes)),
  ]);
}
