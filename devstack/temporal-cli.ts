/**
 * Finds the Temporal CLI (dev server with SQLite persistence and the Web UI built in), in this order:
 * 1. TEMPORAL_CLI_PATH, 2. `temporal` on PATH, 3. the user-level cache, 4. a build into that cache with
 * `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` (later tags carry a `replace` directive and
 * refuse `go install`), 5. the SDK's own download when Go is absent and the internet is reachable.
 */
import { join } from 'node:path';
import { cacheRoot } from './cache';
import { ProvisioningError, type Progress, type ServerExecutable, stderrProgress } from './executable';
import { goInstallCached } from './go-install';
import { internetReachable, isExecutable, which } from './process';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

export async function resolveTemporalCli(
  progress: Progress = stderrProgress,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerExecutable> {
  if (env.TEMPORAL_CLI_PATH) {
    if (await isExecutable(env.TEMPORAL_CLI_PATH)) return { type: 'existing-path', path: env.TEMPORAL_CLI_PATH };
    throw new ProvisioningError(
      `TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file. Point it at a Temporal CLI binary or unset it.`,
    );
  }
  const onPath = await which('temporal', env);
  if (onPath) return { type: 'existing-path', path: onPath };
  const cached = cachedCliPath(env);
  if (await isExecutable(cached)) return { type: 'existing-path', path: cached };

  const go = await which('go', env);
  if (go) {
    const dir = await goInstallCached(
      go,
      {
        label: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`,
        packages: [`${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`],
        dir: join(cached, '..'),
        binaries: { temporal: 'temporal' },
        hint: 'set TEMPORAL_CLI_PATH',
      },
      progress,
    );
    return { type: 'existing-path', path: join(dir, 'temporal') };
  }
  if (await internetReachable()) {
    progress('Go is not installed: the Temporal SDK will download the dev server itself.');
    return { type: 'cached-download' };
  }
  throw new ProvisioningError(
    'No Temporal CLI found and none can be built: set TEMPORAL_CLI_PATH to a Temporal CLI binary, put `temporal` on PATH, ' +
      `or install Go (then this builds ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} into ${cached}).`,
  );
}
