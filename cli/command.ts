/** The shape of a `witkey` command: help text, flags (node:util parseArgs), positionals, and what it runs. */
import type { parseArgs } from 'node:util';
import type { Values } from './args';

export interface CommandSpec {
  summary: string;
  help: string;
  options: NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;
  /** Positional arguments: how many are accepted, and their names for the error message. */
  positionals?: { min: number; max?: number; names: string };
  run(values: Values, positionals: string[]): Promise<void>;
}
