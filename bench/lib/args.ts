/** `--name value` / `--name=value` flags of `npm run bench -- NAME [flags]`. */
export type Flags = Record<string, string>;

export function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]} (flags are --name value)`);
    if (m[2] !== undefined) flags[m[1]] = m[2];
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[m[1]] = argv[++i];
    else flags[m[1]] = 'true';
  }
  return flags;
}

export function intFlag(flags: Flags, name: string, fallback: number, min = 1): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, not ${raw}`);
  return n;
}

/** `--sizes 1000,5000,10000` */
export function intListFlag(flags: Flags, name: string, fallback: number[]): number[] {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const list = raw.split(',').map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--${name} must be integers, not ${raw}`);
  return list;
}
