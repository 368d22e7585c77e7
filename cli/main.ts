/**
 * The composition root: `witkey <command>`. Each command wires the rooms it needs; configuration is read
 * and validated here, at the edge. Every failure a person can cause or fix is one line plus a hint (cli/errors.ts);
 * stack traces only with WITKEY_DEBUG set.
 */
import { parseArgs } from 'node:util';
import { normalizeArgv, type Values } from './args';
import type { CommandSpec } from './command';
import { explain } from './errors';
import { exitQuietlyWhenStdoutCloses, fail } from './output';
import { attentionCommand } from './commands/attention';
import { cancelWinnerCommand } from './commands/cancel-winner';
import { clusterCommand } from './commands/cluster';
import { codecKeyCommand } from './commands/codec-key';
import { codecServerCommand } from './commands/codec-server';
import { demoCommand } from './commands/demo';
import { extendCommand } from './commands/extend';
import { inboxCommand } from './commands/inbox';
import { leftoverCommand } from './commands/leftover';
import { listCommand } from './commands/list';
import { provisionCommand } from './commands/provision';
import { publishCommand } from './commands/publish';
import { resumeCommand } from './commands/resume';
import { sandboxCommand } from './commands/sandbox';
import { statusCommand } from './commands/status';
import { upCommand } from './commands/up';
import { webhookCommand } from './commands/webhook';
import { winnersCommand } from './commands/winners';
import { workerCommand } from './commands/worker';

/** Every command, in the order "witkey --help" lists them; each file under commands/ exports one CommandSpec. */
export const commands: Record<string, CommandSpec> = {
  up: upCommand,
  worker: workerCommand,
  webhook: webhookCommand,
  sandbox: sandboxCommand,
  'codec-server': codecServerCommand,
  'codec-key': codecKeyCommand,
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
  cluster: clusterCommand,
  provision: provisionCommand,
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
    'Connection: a profile of the Temporal config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) and the standard variables over it:',
    'TEMPORAL_ADDRESS (else localhost:$WITKEY_TEMPORAL_PORT, default 7233), TEMPORAL_NAMESPACE, and for a hosted Temporal',
    'TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH / TEMPORAL_API_KEY...; WITKEY_TASK_QUEUE (README, "Configuration").',
  ].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyWhenStdoutCloses();
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
