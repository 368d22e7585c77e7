/**
 * The composition root: `witkey <command>`. Each command wires the rooms it needs; configuration is read
 * and validated here, at the edge.
 */
import { parseArgs } from 'node:util';
import { ProvisioningError } from '../devstack/executable';
import { ConfigError } from './config';
import { fail } from './output';
import { provision, provisionHelp } from './commands/provision';
import { sandbox, sandboxHelp } from './commands/sandbox';
import { up, upHelp } from './commands/up';

interface Command {
  summary: string;
  help: string;
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  run(values: Record<string, string | boolean | undefined>): Promise<void>;
}

const commands: Record<string, Command> = {
  up: {
    summary: 'the embedded stack (dev server + Web UI, sandbox, worker, webhook), the demo scenario, then serve',
    help: upHelp,
    options: { port: { type: 'string' }, 'ui-port': { type: 'string' }, 'data-dir': { type: 'string' }, exit: { type: 'boolean' }, 'no-demo': { type: 'boolean' } },
    run: (v) => up(v),
  },
  sandbox: {
    summary: 'run the local Alipay gateway emulator alone',
    help: sandboxHelp,
    options: { 'data-dir': { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'time-factor': { type: 'string' }, 'commission-bp': { type: 'string' }, 'alipay-fee-bp': { type: 'string' }, 'manual-delivery': { type: 'boolean' } },
    run: (v) => sandbox(v),
  },
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
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    fail((err as Error).message, `run "witkey ${name} --help"`);
  }
  if (values.help) {
    process.stdout.write(`${command.help}\n`);
    return;
  }
  try {
    await command.run(values);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 'see README.md, "Configuration"');
    if (err instanceof ProvisioningError) fail(err.message);
    throw err;
  }
}
