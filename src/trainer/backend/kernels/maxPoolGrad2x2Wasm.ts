// MaxPoolGrad's common case (2×2 windows, stride 2, unpadded) as WebAssembly SIMD in the heap,
// 4 channels a step: the window's first strictly-largest input (row-major: a, b, then the next
// row's d, e) by lane masks, dy stored to it and 0 to the other three. Windows do not overlap, so
// every dx entry inside one is written once; rows and columns outside every window stay zeroed.
import type { TensorInfo } from '@tensorflow/tfjs';
import {
  I32,
  V128,
  addTo,
  emitter,
  f32x4Gt,
  op,
  v128And,
  v128AndNot,
  v128Bitselect,
  v128Load,
  v128Not,
  v128Or,
  v128Store,
  type FuncDef,
} from '../../../core/wasm/assembler';
import { heapBuffer, heapModule, heapOffset, sizeOf, wasmHeapBackend } from '../heapWasm';

/** mp(x, g, dx, N, H, W, C4, OH, OW): C4 = channels·4 bytes, a multiple of 16. */
function maxPoolGradFunction(): FuncDef {
  const [X, G, DX, N, H, W, C4, OH, OW] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [ROW4, n, oy, PX, PD, ox, K, T] = [9, 10, 11, 12, 13, 14, 15, 16];
  const [VA, VB, VD, VE, MAB, MD, ME, BEST, VG] = [17, 18, 19, 20, 21, 22, 23, 24, 25];
  const { b, emit } = emitter();
  /** for (L = 0; L < LIMIT; L++) { body } — empty when LIMIT is 0. */
  const loop = (L: number, LIMIT: number, body: () => void) => {
    emit(op.i32(0), op.set(L), op.block, op.get(LIMIT), op.eqz, op.brIf(0), op.loop);
    body();
    emit(op.get(L), op.i32(1), op.add, op.tee(L), op.get(LIMIT), op.ltU, op.brIf(0), op.end, op.end);
  };
  emit(op.get(W), op.get(C4), op.mul, op.set(ROW4));
  loop(n, N, () =>
    loop(oy, OH, () => {
      // PX, PD: x and dx at (n, 2·oy, 0, 0)
      emit(op.get(n), op.get(H), op.mul, op.get(oy), op.i32(2), op.mul, op.add, op.get(ROW4), op.mul, op.tee(T));
      emit(op.get(X), op.add, op.set(PX), op.get(T), op.get(DX), op.add, op.set(PD));
      loop(ox, OW, () => {
        emit(op.i32(0), op.set(K), op.loop);
        // the window's four inputs: a at PX+K, b one pixel right, d one row down, e both
        emit(op.get(PX), op.get(K), op.add, op.tee(T), v128Load(0), op.set(VA));
        emit(op.get(T), op.get(C4), op.add, v128Load(0), op.set(VB));
        emit(op.get(T), op.get(ROW4), op.add, op.tee(T), v128Load(0), op.set(VD));
        emit(op.get(T), op.get(C4), op.add, v128Load(0), op.set(VE));
        emit(op.get(VB), op.get(VA), f32x4Gt, op.set(MAB));
        emit(op.get(VB), op.get(VA), op.get(MAB), v128Bitselect, op.set(BEST));
        emit(op.get(VD), op.get(BEST), f32x4Gt, op.set(MD));
        emit(op.get(VD), op.get(BEST), op.get(MD), v128Bitselect, op.set(BEST));
        emit(op.get(VE), op.get(BEST), f32x4Gt, op.set(ME));
        emit(op.get(G), v128Load(0), op.set(VG));
        // winners: e if ME; d if MD and not ME; b if MAB and neither; else a
        emit(op.get(PD), op.get(K), op.add, op.tee(T));
        emit(op.get(VG), op.get(MAB), op.get(MD), v128Or, op.get(ME), v128Or, v128Not, v128And, v128Store(0));
        emit(op.get(T), op.get(C4), op.add);
        emit(op.get(VG), op.get(MAB), op.get(MD), v128AndNot, op.get(ME), v128AndNot, v128And, v128Store(0));
        emit(op.get(T), op.get(ROW4), op.add, op.tee(T));
        emit(op.get(VG), op.get(MD), op.get(ME), v128AndNot, v128And, v128Store(0));
        emit(op.get(T), op.get(C4), op.add);
        emit(op.get(VG), op.get(ME), v128And, v128Store(0));
        emit(addTo(G, 16));
        emit(op.get(K), op.i32(16), op.add, op.tee(K), op.get(C4), op.ltU, op.brIf(0), op.end);
        emit(op.get(PX), op.get(C4), op.i32(2), op.mul, op.add, op.set(PX));
        emit(op.get(PD), op.get(C4), op.i32(2), op.mul, op.add, op.set(PD));
      });
    }),
  );
  return {
    params: new Array<number>(9).fill(I32),
    results: [],
    locals: [
      [8, I32],
      [9, V128],
    ],
    body: b,
  };
}

const kernelsFor = heapModule<{ mp(...args: number[]): void }>(() => [maxPoolGradFunction()], ['mp']);

/**
 * dx for a 2×2 / stride-2 unpadded max pool of x [N, H, W, C] with upstream g [N, OH, OW, C], or
 * null where it does not apply (not wasm, no SIMD, C not a multiple of 4). Unlike the JS loop, a
 * window of −∞ or NaN inputs sends its gradient to its first input.
 */
export function maxPoolGrad2x2Wasm(
  g: TensorInfo,
  x: TensorInfo,
  N: number,
  H: number,
  W: number,
  C: number,
  OH: number,
  OW: number,
): TensorInfo | null {
  if (C % 4 !== 0) return null;
  const be = wasmHeapBackend();
  const k = be ? kernelsFor(be) : null;
  if (!be || !k) return null;
  const dx = be.makeOutput(x.shape, 'float32');
  if (OH * 2 < H || OW * 2 < W) new Float32Array(heapBuffer(be), heapOffset(be, dx), sizeOf(x.shape)).fill(0);
  k.mp(heapOffset(be, x), heapOffset(be, g), heapOffset(be, dx), N, H, W, C * 4, OH, OW);
  return dx;
}
