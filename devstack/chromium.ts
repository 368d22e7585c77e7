/** The browser of the Web UI test: WITKEY_CHROMIUM, Debian's /usr/bin/chromium, or chromium on PATH. */
import { findOrInstall } from './apt';
import { ProvisioningError, type Progress } from './executable';
import { isExecutable, which } from './process';

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.WITKEY_CHROMIUM) {
    if (await isExecutable(env.WITKEY_CHROMIUM)) return env.WITKEY_CHROMIUM;
    throw new ProvisioningError(`WITKEY_CHROMIUM=${env.WITKEY_CHROMIUM} is not an executable file.`);
  }
  for (const name of ['chromium', 'chromium-browser']) {
    const found = await which(name, env);
    if (found) return found;
  }
  throw new ProvisioningError(
    'Chromium is not installed: on Debian or Ubuntu run `apt-get install chromium` (as root), or set WITKEY_CHROMIUM.',
  );
}

export function ensureChromiumInstalled(progress: Progress, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return findOrInstall(() => findChromium(env), 'chromium', Boolean(env.WITKEY_CHROMIUM), progress, env);
}
