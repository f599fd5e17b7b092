// The step-record defaults (docs/design.md §3.6), shared by the trainer, the CLI and the extension.

/** Default `logEverySteps`: the quick demo (~157 steps an epoch) gets ~3 records an epoch from it. */
export const DEFAULT_LOG_EVERY_STEPS = 50;
/** A record also comes after this long without one, so a slow model shows progress within seconds. */
export const STEP_LOG_MAX_SECONDS = 5;
