// The kernels' WebAssembly.Memory: grown on demand, never past what i32 byte offsets address.

export const PAGE = 65536;
/** Kernel byte offsets are i32: keep every address below 2 GiB. */
export const MAX_BYTES = 2 ** 31 - PAGE;

/** Grows memory to at least `bytes`; false when that is over MAX_BYTES or the grow is refused. */
export function ensureMemory(memory: WebAssembly.Memory, bytes: number): boolean {
  if (!(bytes <= MAX_BYTES)) return false;
  const have = memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / PAGE));
    return true;
  } catch {
    return false;
  }
}
