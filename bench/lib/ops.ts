/** Operations per second of a synchronous function, after a warm-up, measured for a time budget. */
export function opsPerSecond(fn: () => unknown, budgetMs: number): number {
  // warm-up for a quarter of the budget: the first calls pay for compilation (a strict XML parse needs hundreds)
  const warmUntil = process.hrtime.bigint() + BigInt(Math.ceil(budgetMs / 4)) * 1_000_000n;
  while (process.hrtime.bigint() < warmUntil) for (let i = 0; i < 10; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(budgetMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    now = process.hrtime.bigint();
  }
  return (n * 1e9) / Number(now - start);
}
