/**
 * The shape of the house, checked: no import cycles anywhere (scripts/import-cycles.js, the TypeScript compiler
 * API over every local import, type-only ones included), and the task's life in steps that fit on a screen.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..');

function script(name: string, ...args: string[]): string {
  return execFileSync(process.execPath, [join(root, 'scripts', name), ...args], { cwd: root, encoding: 'utf8' });
}

test('no import cycles among the project modules', () => {
  const report = JSON.parse(script('import-cycles.js', '--root', root, '--json')) as {
    modules: number;
    cycles: string[][];
  };
  assert.ok(report.modules > 100, `modules found: ${report.modules}`);
  assert.deepEqual(report.cycles, []);
});

test("the task's life (workflows/task/life) has no function over 30 lines", () => {
  const out = script('function-lengths.js', '--list', 'workflows');
  const life = out
    .split('\n')
    .filter((l) => l.startsWith('workflows/task/life/') || l.startsWith('workflows/bounty-task.ts'));
  assert.ok(life.length > 10, out);
  for (const line of life) assert.match(line, /over 30: 0$/, line);
});
