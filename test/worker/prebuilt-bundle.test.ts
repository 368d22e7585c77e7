/** The pre-built workflow bundle is used only while it matches the compiled code it was made from. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundleInputs, prebuiltBundle, writePrebuiltBundle, type BundlePlace } from '../../worker/prebuilt-bundle';

test('a bundle is used while its inputs are unchanged; a changed, added or removed module makes it stale', async () => {
  const root = mkdtempSync(join(tmpdir(), 'witkey-bundle-'));
  try {
    writeFileSync(join(root, 'index.js'), 'const a = require("./a");\nconst x = require("@temporalio/workflow");\n');
    writeFileSync(join(root, 'a.js'), 'module.exports = require("./b");\n');
    writeFileSync(join(root, 'b.js'), 'module.exports = 1;\n');
    const place: BundlePlace = { dir: join(root, 'bundle'), entry: join(root, 'index.js'), root };
    assert.deepEqual(
      bundleInputs(place.entry).map((f) => f.slice(root.length + 1)),
      ['a.js', 'b.js', 'index.js'],
      'relative requires followed, packages not',
    );
    assert.match(String((prebuiltBundle(place) as { stale: string }).stale), /no pre-built bundle/);
    const codePath = await writePrebuiltBundle('/* bundle */', place);
    assert.deepEqual(prebuiltBundle(place), { codePath });
    writeFileSync(join(root, 'b.js'), 'module.exports = 2;\n');
    assert.match(String((prebuiltBundle(place) as { stale: string }).stale), /older than b\.js/);
    await writePrebuiltBundle('/* bundle */', place);
    writeFileSync(join(root, 'a.js'), 'module.exports = 3;\n'); // b.js is no longer an input
    assert.match(String((prebuiltBundle(place) as { stale: string }).stale), /older than (a|b)\.js/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('npm run build made the bundle of the compiled workflows as they are', () => {
  const found = prebuiltBundle();
  assert.ok('codePath' in found, JSON.stringify(found));
});
