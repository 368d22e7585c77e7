/**
 * `npm run chaos [-- --short] [-- --only NAME]`: every scenario of chaos/scenarios.ts in turn (crashes on the embedded
 * shape and on the cluster, gateway faults, a notification storm, hostile input, secrets and privacy), the table,
 * each scenario's problems, and last the verdict line; exit 1 unless every check passed. `--short` is the CI form
 * (fewer tasks and inputs, the same checks). WITKEY_CHAOS_SEED replays a crash schedule; WITKEY_CHAOS_KEEP_LOGS=1
 * keeps the processes' logs.
 */
import { parseArgs } from 'node:util';
import { emptyRow, type ScenarioRow } from './row';
import { SCENARIOS } from './scenarios';
import { chaosTable, chaosVerdict } from './table';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { short: { type: 'boolean', default: false }, only: { type: 'string', multiple: true } },
  });
  const wanted = values.only?.map((w) => w.toLowerCase());
  const chosen = SCENARIOS.filter((s) => !wanted || wanted.some((w) => s.name.toLowerCase().includes(w)));
  if (chosen.length === 0) {
    process.stderr.write(
      `chaos: no scenario matches ${values.only?.join(', ')}; scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}\n`,
    );
    process.exit(2);
  }
  const say = (line: string) => process.stderr.write(`[chaos] ${line}\n`);
  const rows: ScenarioRow[] = [];
  for (const scenario of chosen) {
    const t0 = Date.now();
    say(`${scenario.name}: start${values.short ? ' (short)' : ''}`);
    const row = await scenario.run({ short: values.short === true, say }).catch((err: Error) => {
      const failed = emptyRow(scenario.name);
      failed.crashes = 1;
      failed.problems.push(`the scenario itself failed: ${err.stack ?? err.message}`);
      return failed;
    });
    say(`${scenario.name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${row.problems.length} problem(s)`);
    // each problem at once (a run stopped later keeps what it found); the summary below shows 20 per scenario
    for (const p of row.problems) say(`${scenario.name}: ${p}`);
    rows.push(row);
  }
  process.stdout.write(`\n${chaosTable(rows)}\n\n`);
  for (const r of rows) for (const p of r.problems.slice(0, 20)) process.stdout.write(`${r.scenario}: ${p}\n`);
  for (const r of rows) {
    const codes = Object.entries(r.attentionCodes ?? {}).map(([code, n]) => `${code} ×${n}`);
    if (codes.length) process.stdout.write(`${r.scenario}: needs attention: ${codes.join(', ')}\n`);
  }
  const verdict = chaosVerdict(rows);
  process.stdout.write(`${verdict.line}\n`);
  if (!verdict.ok) process.exitCode = 1;
}

main().catch((err: Error) => {
  process.stderr.write(`chaos: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
