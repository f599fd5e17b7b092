// Native resources that can keep Node's event loop alive (Dawn's GPU object) are released here when
// a command ends, so `tucker-train` exits on its own. Tiny on purpose: the CLI entry imports it
// without loading tfjs.
const releasers = new Set<() => void>();

export function onRelease(fn: () => void): void {
  releasers.add(fn);
}

/** Runs every registered releaser (each is idempotent); never throws. */
export function releaseNativeResources(): void {
  for (const fn of releasers) {
    try {
      fn();
    } catch {
      /* exiting anyway */
    }
  }
}
