/**
 * Debian packages the tests need (PostgreSQL for the cluster, Chromium for the browser test), installed by
 * `witkey provision` when missing and this process may (root, apt-get present), so that the README's test command
 * works on a fresh machine. Anywhere else the caller's error, which says how to install it, stands.
 */
import type { Progress } from './executable';
import { run, which } from './process';

export async function installWithApt(
  pkg: string,
  progress: Progress,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const aptGet = await which('apt-get', env);
  if (process.getuid?.() !== 0 || !aptGet) return false;
  progress(`${pkg} is missing: installing Debian's ${pkg} package (apt-get install ${pkg})`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): Promise<void> => run(aptGet, ['install', '-y', '--no-install-recommends', pkg], { env: aptEnv });
  await install().catch(async () => {
    await run(aptGet, ['update'], { env: aptEnv });
    await install();
  });
  return true;
}

/** `find()`, or when it fails and no override variable is set: install `pkg` with apt (when allowed) and find again. */
export async function findOrInstall(
  find: () => Promise<string>,
  pkg: string,
  overridden: boolean,
  progress: Progress,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  try {
    return await find();
  } catch (err) {
    if (overridden || !(await installWithApt(pkg, progress, env))) throw err;
    return find();
  }
}
