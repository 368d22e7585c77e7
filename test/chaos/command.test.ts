/**
 * `npm run chaos` as a user runs it (dist/chaos/main.js): an unknown scenario is refused with the list; the short
 * hostile-input scenario prints the table and ends with the verdict line; the table and verdict add up the rows.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { emptyRow } from '../../chaos/row';
import { chaosTable, chaosVerdict } from '../../chaos/table';

const MAIN = join(__dirname, '..', '..', 'chaos', 'main.js');

function chaos(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    timeout: 10 * 60_000,
    env: { ...process.env, WITKEY_HOSTILE_SEED: process.env.WITKEY_HOSTILE_SEED ?? '20261130' }, // repeatable in CI
  });
}

describe('npm run chaos', () => {
  test('the verdict sums the rows; any problem, double, loss, forgery, crash or 5xx fails it', () => {
    const a = { ...emptyRow('a'), tasks: 3, completed: 3 };
    const b = { ...emptyRow('b'), tasks: 2, completed: 1, needsAttention: 1 };
    assert.deepEqual(chaosVerdict([a, b]), {
      ok: true,
      line: 'chaos: 2 scenarios, 5 tasks, money conserved: yes, double transfers: 0, lost: 0, forged accepted: 0, crashes: 0',
    });
    for (const bad of [
      { moneyConserved: false },
      { duplicatesExecuted: 1 },
      { notificationsLost: 2 },
      { forgedAccepted: 1 },
      { crashes: 1 },
      { serverErrors: 1 },
      { problems: ['x'] },
    ])
      assert.equal(chaosVerdict([a, { ...b, ...bad }]).ok, false, JSON.stringify(bad));
    assert.match(
      chaosVerdict([{ ...a, moneyConserved: false, duplicatesExecuted: 2 }]).line,
      /money conserved: no, double transfers: 2,/,
    );
    const table = chaosTable([a, b]).split('\n');
    assert.equal(table.length, 4);
    assert.match(
      table[0],
      /^\| scenario \| tasks \| faults injected \| completed \| needs-attention \| money conserved \|/,
    );
    assert.match(table[3], /^\| b +\| 2 +\| 0 +\| 1 +\| 1 +\| yes/);
  });

  test('an unknown scenario is refused with the list of scenarios', () => {
    const r = chaos(['--only', 'no-such-thing']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no scenario matches no-such-thing; scenarios: crashes \(embedded\), crashes \(cluster\),/);
  });

  test('the short hostile-input run prints the table and the verdict line, and exits 0', () => {
    const r = chaos(['--short', '--only', 'hostile']);
    const lines = r.stdout.trim().split('\n');
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /\| hostile input +\| 0 +\| \d+ /);
    assert.match(
      lines.at(-1) ?? '',
      /^chaos: 1 scenarios, 0 tasks, money conserved: yes, double transfers: 0, lost: 0, forged accepted: 0, crashes: 0$/,
    );
  });
});
