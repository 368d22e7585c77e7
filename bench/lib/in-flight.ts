/** Runs `count` calls with at most `inFlight` under way at any moment (a client's fixed concurrency). */
export async function withInFlight(count: number, inFlight: number, call: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await call(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
}
