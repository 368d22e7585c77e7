/** `witkey provision`: make sure the Temporal CLI and the time-skipping test server are in the user cache. */
import { stderrProgress } from '../../devstack/executable';
import { resolveTemporalCli } from '../../devstack/temporal-cli';
import { resolveTestServer } from '../../devstack/test-server';
import type { CommandSpec } from '../command';
import { say } from '../output';

export const provisionCommand: CommandSpec = {
  summary: 'find or build the Temporal CLI and the time-skipping test server into the user cache',
  help: `witkey provision

Finds or builds the Temporal CLI (TEMPORAL_CLI_PATH, temporal on PATH, the cache, go install) and the Java
time-skipping test server (TEMPORAL_TEST_SERVER_PATH, the cache, Maven Central) into the user-level cache
(~/.cache/witkey-devstack, or WITKEY_CACHE_DIR). The first run takes minutes; later runs are instant.`,
  options: {},
  run: () => provision(),
};

async function provision(): Promise<void> {
  for (const [what, resolve] of [
    ['Temporal CLI', resolveTemporalCli],
    ['time-skipping test server', resolveTestServer],
  ] as const) {
    const t0 = Date.now();
    const exe = await resolve(stderrProgress);
    const where = exe.type === 'existing-path' ? exe.path : "the SDK's own download";
    say(`${what}: ${where} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}
