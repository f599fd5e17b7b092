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
  /** Random crop with 4-pixel zero padding + horizontal flip, in place on one batch (CIFAR). */
  augment: boolean;
}
