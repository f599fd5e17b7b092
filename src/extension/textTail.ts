// Follows a growing text file (the trainer's log) by byte offset.
import { open, stat } from 'node:fs/promises';

export class TextTail {
  private offset = 0;
  private decoder = new TextDecoder('utf-8');

  constructor(
    readonly path: string,
    fromEnd = false,
  ) {
    if (fromEnd)
      void stat(path).then(
        (s) => {
          this.offset = s.size;
        },
        () => undefined,
      );
  }

  async read(maxBytes = 1 << 20): Promise<string> {
    const size = await stat(this.path).then(
      (s) => s.size,
      () => -1,
    );
    if (size < 0) return '';
    if (size < this.offset) {
      this.offset = 0;
      this.decoder = new TextDecoder('utf-8');
    }
    if (size === this.offset) return '';
    const length = Math.min(size - this.offset, maxBytes);
    const fh = await open(this.path, 'r').catch(() => null);
    if (!fh) return '';
    try {
      const buf = new Uint8Array(length);
      const { bytesRead } = await fh.read(buf, 0, length, this.offset);
      this.offset += bytesRead;
      return this.decoder.decode(buf.subarray(0, bytesRead), { stream: true });
    } finally {
      await fh.close();
    }
  }
}
