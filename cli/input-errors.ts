/**
 * The two mistakes a person can make before anything runs: a bad command line (UsageError) and a bad setting in
 * the environment (ConfigError). Both are printed as one line and a hint (cli/errors.ts); neither is a bug.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A refused value, as the error of where it came from: a flag ("--port") or an environment variable. */
export function badValue(name: string, message: string, hint?: string): UsageError | ConfigError {
  if (name.startsWith('-')) return new UsageError(message, hint);
  return new ConfigError(`${message}${hint ? `; ${hint}` : ''}.`);
}
