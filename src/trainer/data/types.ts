// In-memory image classification data, channels-last float32, labels as class indices.

export interface Split {
  x: Float32Array; // n × H × W × C
  y: Uint8Array; // n labels in [0, numClasses)
  n: number;
}

export interface Dataset {
  name: string; // as given on the command line
  description: string; // one line for logs and run.json
  inputShape: [number, number, number]; // H, W, C
  numClasses: number;
  train: Split;
  val: Split;
  /** Applied in place to each training batch; null: none. */
  augment: Augmentation | null;
}

/**
 * Random crop with `pad` pixels of zero padding (a random shift in [-pad, pad]), plus a random
 * horizontal flip where the data allow it: natural images yes (CIFAR), digits and clothes no.
 */
export interface Augmentation {
  pad: number;
  flip: boolean;
}
