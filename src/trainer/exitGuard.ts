// The last word of a trainer that is going down: whatever ends the process while a run is open
// (an uncaught exception, an unhandled rejection, process.exit from elsewhere) is recorded in the
// run folder first, so run.json never says `running` for a process that is gone — except after
// SIGKILL or a power cut, which readers detect by the owner's pid and start time.

export interface ExitGuardTarget {
  /** True while the run's status is still `running`. */
  open(): boolean;
  /** Records the end synchronously (run.json, events.jsonl); must not throw. */
  close(status: 'failed' | 'stopped', message: string): void;
}

/** Installs the handlers; returns their removal. */
export function guardProcessExit(target: ExitGuardTarget, log: (line: string) => void = () => {}): () => void {
  const fatal = (what: string) => (e: unknown) => {
    const message = `${what}: ${e instanceof Error ? e.message : String(e)}`;
    log(`failed: ${message}`);
    if (e instanceof Error && e.stack) log(e.stack);
    if (target.open()) target.close('failed', message);
    process.exit(1);
  };
  const onUncaught = fatal('internal error');
  const onRejection = fatal('internal error (unhandled promise rejection)');
  const onExit = (code: number) => {
    if (!target.open()) return;
    // 130: a second Ctrl-C (the user gave up waiting for the checkpoint); anything else is a failure.
    if (code === 130) target.close('stopped', 'aborted by a second interrupt before the checkpoint was written');
    else target.close('failed', `the trainer exited (code ${code}) before the run ended`);
  };
  // First in line: the wasm backend's Emscripten module registers handlers that rethrow (exit 7).
  process.prependListener('uncaughtException', onUncaught);
  process.prependListener('unhandledRejection', onRejection);
  process.on('exit', onExit);
  return () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onRejection);
    process.off('exit', onExit);
  };
}
