/**
 * `witkey provision`: make sure every server the commands and tests start is here: the Temporal CLI, the
 * time-skipping test server, the Temporal server with its schema tool and the Web UI server (witkey cluster), and
 * PostgreSQL.
 */
import { stderrProgress } from '../../devstack/executable';
import { ensureChromiumInstalled } from '../../devstack/chromium';
import { ensurePostgresInstalled } from '../../devstack/postgres';
import { resolveTemporalServer, resolveUiServer } from '../../devstack/temporal-server';
import { resolveTemporalCli } from '../../devstack/temporal-cli';
import { resolveTestServer } from '../../devstack/test-server';
import type { CommandSpec } from '../command';
import { say } from '../output';

export const provisionCommand: CommandSpec = {
  summary: 'find or build every server the commands and tests start (Temporal CLI, test server, cluster pieces)',
  help: `witkey provision

Finds or builds, into the user-level cache (~/.cache/witkey-devstack, or WITKEY_CACHE_DIR):
  the Temporal CLI             TEMPORAL_CLI_PATH, temporal on PATH, the cache, go install
  the time-skipping server     TEMPORAL_TEST_SERVER_PATH, the cache, Maven Central
  the Temporal server v1.29.1  TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH, the cache, go install
  the Web UI server v2.42.1    TEMPORAL_UI_SERVER_PATH, the cache, go install
and PostgreSQL (WITKEY_POSTGRES_BIN, /usr/lib/postgresql/N/bin, PATH; as root on Debian it runs
"apt-get install postgresql" when missing), and Chromium for the Web UI test (WITKEY_CHROMIUM, chromium on PATH;
apt-get install chromium the same way). The first run takes about 15 minutes; later runs are instant.`,
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
    say(`${what}: ${where} (${elapsed(t0)})`);
  }
  for (const [what, resolve] of [
    ['Temporal server', async () => (await resolveTemporalServer(stderrProgress)).server],
    ['Temporal Web UI server', () => resolveUiServer(stderrProgress)],
    ['PostgreSQL', () => ensurePostgresInstalled(stderrProgress)],
    ['Chromium (the Web UI test)', () => ensureChromiumInstalled(stderrProgress)],
  ] as const) {
    const t0 = Date.now();
    say(`${what}: ${await resolve()} (${elapsed(t0)})`);
  }
}

function elapsed(t0: number): string {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}
