/** `witkey up`: the embedded stack on defaults, then serve until Ctrl-C. */
import { Client } from '@temporalio/client';
import type { stackCheck } from '../../workflows/stack-check';
import { loadStackConfig, type StackFlags } from '../config';
import { startStack } from '../stack';
import { say, waitForStopSignal } from '../output';

export const upHelp = `witkey up [--port N] [--ui-port N] [--data-dir DIR] [--exit]

Brings up the embedded stack: the Temporal dev server (SQLite persistence under the data folder, Web UI),
the witkey search attributes, namespace retention, and the worker; then checks it end to end with a
short workflow and keeps serving until Ctrl-C, which stops everything it started.
With TEMPORAL_ADDRESS set it uses that server and starts none.

  --port N       Temporal gRPC port (default 7233, env WITKEY_TEMPORAL_PORT)
  --ui-port N    Temporal Web UI port (default 8233, env WITKEY_UI_PORT)
  --data-dir DIR where state is kept (default .data/ in the project, env WITKEY_DATA_DIR)
  --exit         stop after the check instead of serving`;

export async function up(flags: StackFlags & { exit?: boolean }): Promise<void> {
  const config = loadStackConfig(process.env, flags);
  const t0 = Date.now();
  const stack = await startStack(config, say);
  try {
    const client = new Client({ connection: stack.connection, namespace: stack.namespace });
    const result = await client.workflow.execute<typeof stackCheck>('stackCheck', {
      taskQueue: stack.taskQueue,
      workflowId: `witkey-stack-check-${Date.now()}`,
      args: [{ sleepMs: 1000 }],
    });
    say(`stack check passed: worker polling on task queue "${stack.taskQueue}", timer fired, search attributes ${result.searchAttributes.filter((n) => n.startsWith('Witkey')).join(', ')}`);
    say(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (stack.uiUrl) say(`Temporal Web UI: ${stack.uiUrl}/namespaces/${stack.namespace}/workflows`);
    if (flags.exit) return;
    say('serving; press Ctrl-C to stop');
    await waitForStopSignal();
    say('stopping...');
  } finally {
    await stack.stop();
  }
  say('stopped');
}
