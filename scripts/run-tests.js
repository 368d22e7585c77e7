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
const res = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(res.status ?? 1);
