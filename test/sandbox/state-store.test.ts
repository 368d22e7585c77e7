// The state store on its own: every acknowledged change survives a SIGKILL of the process, a refused change leaves
// the database as it was, an old state.json is imported once, a change writes only what it changed, and the check
// on a change refuses exactly what the full conservation check refuses.

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { EXTERNAL, frozenAccount, publisherAccount } from '../../sandbox/books/accounts';
import { ConservationError, conservationViolations } from '../../sandbox/books/conservation';
import { post } from '../../sandbox/books/journal';
import { StateStore } from '../../sandbox/runtime/state-store';
import { diskDump, removeTempDirs, tempDir } from './helpers';
import { PARTNER, publishTask, taskKey } from './store-fixtures';

after(removeTempDirs);

describe('state store', () => {
  test('a SIGKILL loses no acknowledged change', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [join(__dirname, 'store-writer.js'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acknowledged: string[] = [];
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`exit ${code}`))));
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        acknowledged.push(...lines);
        if (acknowledged.length >= 200) child.kill('SIGKILL');
      });
    });
    const store = new StateStore(dir);
    try {
      for (const id of acknowledged)
        assert.ok(
          store.read((s) => s.tasks[taskKey(id)]),
          `task ${id} was acknowledged`,
        );
      assert.deepEqual(conservationViolations(store.snapshot()), []);
    } finally {
      await store.close();
    }
  });

  test('a refused change leaves memory and the database as they were', async () => {
    const dir = tempDir();
    const store = new StateStore(dir);
    try {
      await store.mutate((s) => publishTask(s, 'A'));
      const memory = JSON.stringify(store.snapshot());
      const disk = diskDump(dir);
      const refusals: Array<[string, (s: Parameters<Parameters<StateStore['mutate']>[0]>[0]) => void]> = [
        ['money out of nowhere', (s) => void (s.accounts[publisherAccount('u1')] += 1)],
        ['a task figure off', (s) => void (s.tasks[taskKey('A')].totals.bountyFrozen += 1)],
        [
          'a posting the task does not show',
          (s) =>
            post(s, 0, {
              from: frozenAccount(PARTNER, 'A'),
              to: publisherAccount('u1'),
              amountFen: 10,
              partner: PARTNER,
              outerTaskId: 'A',
              reason: 'refund',
              ref: 'R',
            }),
        ],
      ];
      for (const [what, change] of refusals) {
        await assert.rejects(
          store.mutate((s) => {
            publishTask(s, 'B');
            change(s);
          }),
          ConservationError,
          what,
        );
      }
      await assert.rejects(
        store.mutate((s) => {
          publishTask(s, 'B');
          throw new Error('refused by the service');
        }),
        /refused by the service/,
      );
      store.checkHook = () => ['injected violation'];
      await assert.rejects(
        store.mutate((s) => publishTask(s, 'B')),
        ConservationError,
      );
      store.checkHook = undefined;
      assert.equal(JSON.stringify(store.snapshot()), memory);
      assert.equal(diskDump(dir), disk);
    } finally {
      await store.close();
    }
  });

  test('an old state.json is imported once and kept aside', async () => {
    const source = new StateStore(tempDir());
    for (const id of ['A', 'B', 'C']) await source.mutate((s) => publishTask(s, id));
    const old = source.snapshot();
    await source.close();
    const dir = tempDir();
    writeFileSync(join(dir, 'state.json'), JSON.stringify(old));
    for (let start = 0; start < 2; start++) {
      const store = new StateStore(dir);
      try {
        assert.deepEqual(store.snapshot(), old);
      } finally {
        await store.close();
      }
      assert.equal(existsSync(join(dir, 'state.json')), false);
      assert.equal(existsSync(join(dir, 'state.json.imported')), true);
    }
    const unconserved = tempDir();
    writeFileSync(join(unconserved, 'state.json'), JSON.stringify({ ...old, accounts: { ...old.accounts, x: 1 } }));
    assert.throws(() => new StateStore(unconserved), /not conserved/);
  });

  test('a change writes the rows it changed, not the others', async () => {
    const store = new StateStore(tempDir());
    try {
      await store.mutate((s) => {
        for (let i = 0; i < 50; i++) publishTask(s, `T${i}`);
      });
      await store.mutate((s) => {
        let frozen = 0;
        for (let i = 0; i < 50; i++) frozen += s.tasks[taskKey(`T${i}`)].totals.bountyFrozen; // read, not changed
        s.tasks[taskKey('T7')].title = `one of ${frozen}`;
      });
      assert.equal(store.lastWriteRows, 1);
      await store.mutate((s) => publishTask(s, 'U'));
      // the task, `external` and the new frozen account (the publisher's balance is back where it was: not
      // rewritten), and the two postings
      assert.equal(store.lastWriteRows, 1 + 2 + 2);
    } finally {
      await store.close();
    }
  });

  test('the check on a change refuses exactly what the full check refuses', async () => {
    const store = new StateStore(tempDir());
    try {
      for (const id of ['A', 'B']) await store.mutate((s) => publishTask(s, id));
      const account = fc.constantFrom(EXTERNAL, publisherAccount('u1'), frozenAccount(PARTNER, 'A'), 'other');
      const change = fc.oneof(
        fc.record({ kind: fc.constant('publish' as const), id: fc.constantFrom('A', 'C', 'D') }),
        fc.record({ kind: fc.constant('account' as const), account, delta: fc.integer({ min: -5, max: 5 }) }),
        fc.record({
          kind: fc.constant('figure' as const),
          id: fc.constantFrom('A', 'B'),
          delta: fc.integer({ min: -5, max: 5 }),
        }),
        fc.record({
          kind: fc.constant('post' as const),
          from: account,
          to: account,
          amountFen: fc.integer({ min: 1, max: 2000 }),
          id: fc.constantFrom('A', 'B'),
        }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 4 }), async (changes) => {
          const apply = (s: Parameters<Parameters<StateStore['mutate']>[0]>[0]): void => {
            for (const c of changes) {
              if (c.kind === 'publish') {
                if (!s.tasks[taskKey(c.id)]) publishTask(s, c.id);
              } else if (c.kind === 'account') s.accounts[c.account] = (s.accounts[c.account] ?? 0) + c.delta;
              else if (c.kind === 'figure') s.tasks[taskKey(c.id)].totals.refunded += c.delta;
              else if (c.from !== c.to)
                post(s, 0, {
                  from: c.from,
                  to: c.to,
                  amountFen: c.amountFen,
                  partner: PARTNER,
                  outerTaskId: c.id,
                  reason: 'refund',
                  ref: 'X',
                });
            }
          };
          // first the full check's verdict on the draft (through the hook, which then refuses: nothing written),
          // then the same change judged by the store's own check
          let fullVerdict: string[] = [];
          store.checkHook = (draft) => {
            fullVerdict = conservationViolations(draft);
            return ['dry run'];
          };
          await assert.rejects(store.mutate(apply), ConservationError);
          store.checkHook = undefined;
          const refused = await store.mutate(apply).then(
            () => false,
            (err: unknown) => err instanceof ConservationError,
          );
          assert.equal(refused, fullVerdict.length > 0, JSON.stringify({ changes, fullVerdict }));
        }),
        { numRuns: 150 },
      );
      assert.deepEqual(conservationViolations(store.snapshot()), []);
    } finally {
      await store.close();
    }
  });
});
