#!/usr/bin/env node
'use strict';
// The `witkey` command. The TypeScript sources compile to dist/ (npm run build).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const entry = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(
    'witkey: the project is not built yet.\nhint: run "npm install && npm run build" in ' +
      join(__dirname, '..') +
      '\n',
  );
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .catch((err) => {
    process.stderr.write(`witkey: ${err && err.message ? err.message : String(err)}\n`);
    if (process.env.WITKEY_DEBUG) process.stderr.write(`${err && err.stack}\n`);
    process.exit(1);
  });
