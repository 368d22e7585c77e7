/**
 * The composition root: `witkey <command>`. Each command wires the rooms it needs; configuration is read
 * and validated here, at the edge. Every failure a person can cause or fix is one line plus a hint (cli/errors.ts);
 * stack traces only with WITKEY_DEBUG set.
 */
import { parseArgs } from 'node:util';
import { normalizeArgv, type Values } from './args';
import type { CommandSpec } from './command';
import { explain } from './errors';
import { fail } from './output';
import { provision, provisionHelp } from './commands/provision';
import { sandbox, sandboxHelp } from './commands/sandbox';
import { up, upHelp } from './commands/up';
import { attentionCommand } from './commands/attention';
import { cancelWinnerCommand } from './commands/cancel-winner';
import { demoCommand } from './commands/demo';
import { extendCommand } from './commands/extend';
import { inboxCommand } from './commands/inbox';
import { leftoverCommand } from './commands/leftover';
import { listCommand } from './commands/list';
import { publishCommand } from './commands/publish';
import { resumeCommand } from './commands/resume';
import { statusCommand } from './commands/status';
import { webhookCommand } from './commands/webhook';
import { winnersCommand } from './commands/winners';
import { workerCommand } from './commands/worker';

export const commands: Record<string, CommandSpec> = {
  up: {
    summary: 'the embedded stack (dev server + Web UI, sandbox, worker, webhook), the demo scenario, then serve',
    help: upHelp,
    options: {
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      'data-dir': { type: 'string' },
      exit: { type: 'boolean' },
      'no-demo': { type: 'boolean' },
    },
    run: (v) => up(v),
  },
  worker: workerCommand,
  webhook: webhookCommand,
  sandbox: {
    summary: 'run the local Alipay gateway emulator alone',
    help: sandboxHelp,
    options: {
      'data-dir': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'time-factor': { type: 'string' },
      'commission-bp': { type: 'string' },
      'alipay-fee-bp': { type: 'string' },
      'manual-delivery': { type: 'boolean' },
    },
    run: (v) => sandbox(v as Record<string, string | boolean | undefined>),
  },
  publish: publishCommand,
  winners: winnersCommand,
  'cancel-winner': cancelWinnerCommand,
  extend: extendCommand,
  leftover: leftoverCommand,
  attention: attentionCommand,
  resume: resumeCommand,
  inbox: inboxCommand,
  status: statusCommand,
  list: listCommand,
  demo: demoCommand,
  provision: {
    summary: 'find or build the Temporal CLI and the time-skipping test server into the user cache',
    help: provisionHelp,
    options: {},
    run: () => provision(),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'witkey: durable Alipay bounty-task orchestration on Temporal',
    '',
    'usage: witkey <command> [options]      (witkey <command> --help for details)',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Connection: TEMPORAL_ADDRESS (else localhost:$WITKEY_TEMPORAL_PORT, default 7233), TEMPORAL_NAMESPACE, WITKEY_TASK_QUEUE, and for a hosted',
    'Temporal TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY / TEMPORAL_TLS_CA / TEMPORAL_API_KEY (README, "Configuration").',
  ].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const command = commands[name];
  if (!command) fail(`unknown command "${name}"`, `run "witkey --help" for the list of commands`);
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: normalizeArgv(rest, command.options as Record<string, { type: 'string' | 'boolean' }>),
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    fail((err as Error).message.split('\n')[0], `run "witkey ${name} --help"`);
  }
  if (values.help) {
    process.stdout.write(`${command.help}\n`);
    return;
  }
  const p = command.positionals ?? { min: 0, max: 0, names: '' };
  if (positionals.length < p.min)
    fail(`missing ${p.names.split(' ').slice(positionals.length).join(' ')}`, `usage: ${command.help.split('\n')[0]}`);
  if (p.max !== undefined && positionals.length > p.max)
    fail(`unexpected argument "${positionals[p.max]}"`, `usage: ${command.help.split('\n')[0]}`);
  try {
    await command.run(values, positionals);
  } catch (err) {
    const { message, hint } = explain(err, name, positionals[0]);
    if (process.env.WITKEY_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    fail(message, hint);
  }
}
