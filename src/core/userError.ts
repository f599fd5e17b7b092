/**
 * An error caused by what the user gave us (a file, a flag, a config field). Front doors print
 * its message as one line and exit with code 2, without a stack trace; everything else is a bug.
 * Messages name the file / layer / option and say what to do.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
