/** Thrown out of long steps (decomposition between layers, validation between batches) when a stop was asked for. */
export class StopRequested extends Error {
  override readonly name = 'StopRequested';
}
