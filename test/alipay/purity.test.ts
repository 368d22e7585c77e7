// alipay/core is imported by Temporal workflow code: no Node built-ins, no Buffer/process, imports only within core.
// (ESLint enforces the same; this test keeps the guarantee when lint is not run.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const CORE = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../alipay/core' : '../../alipay/core',
);

test('alipay/core modules are pure', () => {
  const files = readdirSync(CORE).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 10);
  for (const f of files) {
    const src = readFileSync(path.join(CORE, f), 'utf8').replace(/\/\/.*$/gm, '');
    for (const m of src.matchAll(/from\s+'([^']+)'/g)) assert.match(m[1], /^\.\/[a-z0-9-]+$/, `${f} imports ${m[1]}`);
    assert.doesNotMatch(src, /\brequire\(|\bBuffer\b|\bprocess\.|Math\.random|Date\.now\(/, f);
  }
});

test('alipay/core loads without Node built-ins being reachable', async () => {
  // Importing every core module must not throw and must expose functions only (no side effects needed).
  for (const f of readdirSync(CORE).filter((x) => x.endsWith('.ts'))) {
    const mod = (await import(path.join(__dirname, '../../alipay/core', f.replace(/\.ts$/, '.js')))) as Record<
      string,
      unknown
    >;
    assert.ok(Object.keys(mod).length > 0, f);
  }
});
