// The paper's CIFAR augmentation on one batch, in place: random crop with 4-pixel zero padding
// (equivalently, a random shift in [-4, 4] with zero fill) and a random horizontal flip. Digits
// and clothes (IDX data) get the crop only: a mirrored digit is another symbol.
interface Rng {
  uniform(): number;
}

export function augmentBatch(x: Float32Array, n: number, h: number, w: number, c: number, rng: Rng, pad = 4, flips = true): void {
  const size = h * w * c;
  const tmp = new Float32Array(size);
  for (let i = 0; i < n; i++) {
    const img = x.subarray(i * size, (i + 1) * size);
    const dy = Math.floor(rng.uniform() * (2 * pad + 1)) - pad;
    const dx = Math.floor(rng.uniform() * (2 * pad + 1)) - pad;
    const flip = flips && rng.uniform() < 0.5;
    tmp.fill(0);
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= h) continue;
      for (let xx = 0; xx < w; xx++) {
        const sxr = xx + dx;
        if (sxr < 0 || sxr >= w) continue;
        const tx = flip ? w - 1 - xx : xx;
        const s = (sy * w + sxr) * c,
          d = (y * w + tx) * c;
        for (let ch = 0; ch < c; ch++) tmp[d + ch] = img[s + ch];
      }
    }
    img.set(tmp);
  }
}
