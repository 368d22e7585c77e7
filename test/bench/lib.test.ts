/** The benchmarks' arithmetic and their verdict line (bench/lib): no timing here, only figures given. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { intListFlag, parseFlags } from '../../bench/lib/args';
import { interleave, medians } from '../../bench/lib/pairs';
import { atLeast, atMost, fmt, median, met, ratio, VERDICT_LINE, verdictLine } from '../../bench/lib/stats';
import { markdownTable } from '../../bench/lib/table';

describe('bench/lib', () => {
  test('median of odd and even counts, unsorted input, none', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  test('ratio is A over B; NaN for a zero or missing B', () => {
    assert.equal(ratio(3, 4), 0.75);
    assert.ok(Number.isNaN(ratio(1, 0)));
    assert.ok(Number.isNaN(ratio(Number.NaN, 1)));
  });

  test('targets: at least and at most, a NaN ratio never meets one', () => {
    assert.equal(met(0.9, atLeast(0.9)), true);
    assert.equal(met(0.89, atLeast(0.9)), false);
    assert.equal(met(0.4, atMost(0.4)), true);
    assert.equal(met(0.41, atMost(0.4)), false);
    assert.equal(met(Number.NaN, atMost(1)), false);
  });

  test('the verdict line has the documented shape', () => {
    assert.equal(verdictLine('crypto', 13.24, atLeast(10)), 'bench crypto: ratio 13.2 target >=10 met');
    assert.equal(verdictLine('worker-start', 0.5, atMost(0.4)), 'bench worker-start: ratio 0.5 target <=0.4 missed');
    assert.equal(verdictLine('lifecycle', Number.NaN, atMost(1.5)), 'bench lifecycle: ratio n/a target <=1.5 missed');
    assert.match(verdictLine('open-tasks', 0.8123, atLeast(0.8)), VERDICT_LINE);
  });

  test('figures keep three significant digits', () => {
    assert.equal(fmt(0.123456), '0.123');
    assert.equal(fmt(12345.6), '12346');
    assert.equal(fmt(1.5), '1.5');
  });

  test('interleave runs A, B, A, B and takes medians per figure', async () => {
    const order: string[] = [];
    const runs = await interleave(
      3,
      async (i) => (order.push(`A${i}`), { t: [5, 1, 3][i] }),
      async (i) => (order.push(`B${i}`), { t: [2, 4, 6][i] }),
    );
    assert.deepEqual(order, ['A0', 'B0', 'A1', 'B1', 'A2', 'B2']);
    assert.deepEqual(medians(runs.a), { t: 3 });
    assert.deepEqual(medians(runs.b), { t: 4 });
  });

  test('flags and a markdown table', () => {
    const flags = parseFlags(['--pairs', '3', '--sizes=100,200', '--quick']);
    assert.deepEqual(flags, { pairs: '3', sizes: '100,200', quick: 'true' });
    assert.deepEqual(intListFlag(flags, 'sizes', []), [100, 200]);
    assert.equal(markdownTable(['a', 'bb'], [['1', '2']]), '| a | bb |\n|---|----|\n| 1 | 2  |');
  });
});
