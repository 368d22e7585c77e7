#!/usr/bin/env node
'use strict';
// Runs the compiled test files with Node's built-in test runner. Usage: node scripts/run-tests.js [dir-or-file ...]
// (default: every dist/test/**/*.test.js). The model test and the benchmark have their own npm scripts (test:model, bench).
const { spawnSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (path.endsWith('.test.js')) out.push(path);
  return out;
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : [join(__dirname, '..', 'dist', 'test')]).flatMap((r) => collect(resolve(r), []));
if (files.length === 0) {
  process.stderr.write('no test files found (did "npm run build" run?)\n');
  process.exit(1);
}
// Guards against a hang (CI gives the whole run 90 minutes): a test without its own timeout gets 15 minutes; a test
// file's process exits when its tests are done even if a timed-out test left servers or handles behind; the whole
// run is stopped after WITKEY_TEST_RUN_MINUTES (default 75) with a clear line instead of an unexplained CI timeout.
const runMinutes = Number(process.env.WITKEY_TEST_RUN_MINUTES ?? 75);
const res = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-timeout=900000', '--test-force-exit', ...files],
  { stdio: 'inherit', timeout: runMinutes * 60_000, killSignal: 'SIGKILL' },
);
if (res.error?.code === 'ETIMEDOUT') {
  process.stderr.write(`tests stopped: the run took longer than ${runMinutes} minutes (WITKEY_TEST_RUN_MINUTES)\n`);
  process.exit(1);
}
process.exit(res.status ?? 1);
