/** How the CLI talks to a person: progress lines on stderr, results on stdout, one-line errors with a hint. */
export function say(message: string): void {
  process.stderr.write(`[witkey] ${message}\n`);
}

export function fail(message: string, hint?: string): never {
  process.stderr.write(`witkey: ${message}\n`);
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  process.exit(1);
}

/**
 * `witkey list | head -1`: the reader has what it wanted and closed the pipe; the rest of the output has nowhere to
 * go. Stop quietly, as the classic tools do, instead of crashing with an EPIPE stack trace.
 */
export function exitQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

/** Resolves on the first SIGINT or SIGTERM (a second one exits at once). */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.once('SIGINT', () => process.exit(130));
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
