/**
 * Tables padded by display width: a Chinese nickname takes two columns per character in a terminal, so the
 * columns after it line up only when padding counts display width, not string length.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { statusText } from '../../cli/format';
import { displayWidth, textTable } from '../../cli/text-table';
import type { TaskView } from '../../workflows/messages';
import type { Transfer } from '../../workflows/task/types';

describe('displayWidth', () => {
  test('wide and fullwidth characters take 2 columns, combining marks 0, the rest 1', () => {
    assert.equal(displayWidth(''), 0);
    assert.equal(displayWidth('Tom'), 3);
    assert.equal(displayWidth('天之蓝'), 6);
    assert.equal(displayWidth('小王_2024'), 9);
    assert.equal(displayWidth('，。「」'), 8); // CJK punctuation
    assert.equal(displayWidth('ＡＢＣ１'), 8); // fullwidth forms
    assert.equal(displayWidth('￥100'), 5);
    assert.equal(displayWidth('¥100'), 4); // the yen sign itself is narrow
    assert.equal(displayWidth('さくら'), 6);
    assert.equal(displayWidth('한국'), 4);
    assert.equal(displayWidth('𠮷'), 2); // outside the BMP
    assert.equal(displayWidth('e\u0301'), 1); // e + combining acute accent
    assert.equal(displayWidth('a\u200bb'), 2); // zero-width space
    assert.equal(displayWidth('🎉'), 2);
  });
});

/** The column (in display width) at which `cell` starts on `line`. */
function columnOf(line: string, cell: string): number {
  const index = line.indexOf(cell);
  assert.ok(index >= 0, `${cell} not in ${line}`);
  return displayWidth(line.slice(0, index));
}

describe('textTable', () => {
  test('columns after a Chinese nickname line up', () => {
    const lines = textTable([
      ['no', 'nickname', 'gross'],
      ['T1T1', 'Tom', '300.00'],
      ['T1T2', '天之蓝', '150.50'],
      ['T1T3', '小王_2024', '9.00'],
    ]);
    assert.deepEqual(lines, [
      'no    nickname   gross',
      'T1T1  Tom        300.00',
      'T1T2  天之蓝     150.50',
      'T1T3  小王_2024  9.00',
    ]);
    assert.deepEqual(new Set(lines.map((l, i) => columnOf(l, ['gross', '300.00', '150.50', '9.00'][i]))).size, 1);
  });

  test('right-aligned columns, an indent, no trailing spaces', () => {
    assert.deepEqual(
      textTable(
        [
          ['天之蓝', '5.00', ''],
          ['Ann', '150.50', 'x'],
        ],
        { indent: '  ', rightAligned: [1] },
      ),
      ['  天之蓝    5.00', '  Ann     150.50  x'],
    );
  });
});

describe('witkey status: the transfers table with Chinese nicknames', () => {
  const transfer = (transferNo: string, winnerNickname: string, grossFen: number): Transfer => ({
    transferNo,
    round: 1,
    path: 'announce',
    winnerAlipayUserId: '2088102000000021',
    winnerNickname,
    grossFen,
    commissionFen: 0,
    winnerFen: grossFen,
    alipayFeeFen: 0,
    platformFen: 0,
    status: 'waiting',
    winnerPaid: false,
    commissionSettled: false,
  });

  test('gross, status, path and round start at the same column on every row', () => {
    const view = {
      outerTaskId: 'T1',
      phase: 'announcement',
      spec: {
        outerTaskId: 'T1',
        title: 'Logo',
        taskType: 'DESIGN',
        publisherId: 'u42',
        bountyFen: 80_000,
        valueAddedFeeFen: 0,
        expiresAtMs: Date.UTC(2030, 0, 31),
        feeRates: { commissionBp: 1000, alipayFeeBp: 100 },
      },
      freezeNo: 'T1FZ',
      ledger: {
        bountyFrozenFen: 80_000,
        valueAddedFeePaidFen: 0,
        winnersReceivedFen: 0,
        platformReceivedFen: 0,
        alipayFeesFen: 0,
        refundedFen: 0,
        stillFrozenFen: 80_000,
      },
      availableFen: 35_000,
      transfers: [transfer('T1T1', 'Tom', 30_000), transfer('T1T2', '天之蓝', 15_050), transfer('T1T3', '张三丰', 0)],
      rounds: [],
      leftovers: [],
      attention: [],
      needsAttention: false,
      pendingActions: [],
      notificationsProcessed: 1,
      operatorActions: [],
    } as TaskView;
    const lines = statusText(view).split('\n');
    const rows = ['T1T1', 'T1T2', 'T1T3'].map((no) => lines.find((l) => l.includes(`${no} `))!);
    const header = lines.find((l) => /^\s+no\s+winner\s+nickname/.test(l))!;
    for (const [cell, values] of [
      ['gross', ['300.00', '150.50', '0.00']],
      ['status', ['waiting', 'waiting', 'waiting']],
    ] as const)
      rows.forEach((row, i) => assert.equal(columnOf(row, values[i]), columnOf(header, cell), `${cell} of ${row}`));
    // the last column, round: its cell is the last character of each row
    for (const row of rows) assert.equal(displayWidth(row) - 1, columnOf(header, 'round'), row);
  });
});
