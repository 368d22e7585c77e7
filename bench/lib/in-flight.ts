/**
 * Runs `count` calls with at most `inFlight` under way at any moment (a client's fixed concurrency). On a failure
 * no new call starts, and the calls under way are waited for before the first error is thrown: a benchmark that
 * stops its stack right after must not leave calls retrying against closed connections.
 */
export async function withInFlight(count: number, inFlight: number, call: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < count && !failure) {
      try {
        await call(next++);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  if (failure) throw failure.error;
}
