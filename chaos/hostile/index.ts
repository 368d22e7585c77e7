/**
 * The "hostile input" scenario of the chaos suite (issue 14): property-based runs against every surface that
 * takes input from outside — the webhook's notify endpoint and return pages, the sandbox's gateways and control
 * API, the client API and the CLI's parsers — 10,000 inputs per surface (about 300 in the short, CI form).
 * Counted: inputs sent, 5xx answers, crashes, forged notifications accepted; one problem line per failing surface
 * with fast-check's shrunk counter-example. A failing surface does not stop the others.
 */
import { emptyRow, type Scenario, type ScenarioOptions, type ScenarioRow } from '../row';
import { cliParsers } from './cli';
import { clientApi } from './client-api';
import { startFixture } from './fixture';
import { closeConnections } from './http';
import { returnPages } from './return-pages';
import { sandboxSurfaces } from './sandbox';
import { webhookNotify } from './webhook';
import type { Runs } from './kit';

export const FULL_RUNS = 10_000;
export const SHORT_RUNS = 300;

async function run(opts: ScenarioOptions & { perSurface?: number; seed?: number }): Promise<ScenarioRow> {
  const row = emptyRow('hostile input');
  // WITKEY_HOSTILE_SEED repeats a run (each surface's fast-check seed); unset: a new seed every run
  const envSeed = process.env.WITKEY_HOSTILE_SEED;
  const seed = opts.seed ?? (envSeed ? Number(envSeed) : undefined);
  const runs: Runs = {
    perSurface: opts.perSurface ?? (opts.short ? SHORT_RUNS : FULL_RUNS),
    say: opts.say,
    ...(seed !== undefined ? { seed } : {}),
  };
  // crashes of the process's own: an unhandled rejection or exception while the surfaces run
  const processErrors: string[] = [];
  const onError = (err: unknown) => processErrors.push(String((err as Error)?.stack ?? err).slice(0, 200));
  process.on('unhandledRejection', onError);
  process.on('uncaughtException', onError);
  try {
    await cliParsers(row, runs);
    const fixture = await startFixture();
    try {
      const surfaces: Array<[string, () => Promise<void>]> = [
        ['webhook notify', () => webhookNotify(fixture, row, runs)],
        ['return pages', () => returnPages(fixture, row, runs)],
        ['sandbox', () => sandboxSurfaces(fixture, row, runs)],
        ['client API', () => clientApi(fixture, row, runs)],
      ];
      for (const [name, surface] of surfaces) {
        try {
          await surface();
        } catch (err) {
          row.crashes++;
          row.problems.push(`${name}: the run itself failed: ${String((err as Error)?.message ?? err).slice(0, 200)}`);
        }
      }
    } finally {
      closeConnections();
      await fixture.stop();
    }
  } finally {
    process.off('unhandledRejection', onError);
    process.off('uncaughtException', onError);
  }
  row.crashes += processErrors.length;
  for (const e of processErrors) row.problems.push(`process: ${e}`);
  return row;
}

export const hostileInput: Scenario & { run: typeof run } = { name: 'hostile input', run };
