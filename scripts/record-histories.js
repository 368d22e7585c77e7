#!/usr/bin/env node
'use strict';
// npm run histories:record — records the replay corpus of today's workflow code (docs/VERSIONING.md).
//
// Builds, provisions the test servers, runs the suites that record histories (test/workflows, test/integration and
// test/model when it exists) with WITKEY_RECORD_HISTORIES pointed at an empty temporary folder (every history is
// also replayed as it is recorded: test/support/histories.ts), then copies the histories into
// test/replay/histories/<package version>-<fingerprint, 8 hex digits>/ with its manifest.json, runs the replay test
// over the whole corpus and prints the folder to commit. A folder that already has today's fingerprint is reused
// (its histories are re-recorded, histories no test records any more are kept). Nothing is written when a test fails
// or when the workflow code changes during the run.
//
// Usage: node scripts/record-histories.js [--out DIR] [--no-build] [--no-check]
//   --out DIR    write the folder there instead of the corpus (a trial run; the replay check is skipped)
//   --no-build   use dist/ as it is (it must be built from today's sources)
//   --no-check   do not run the replay test afterwards
const { spawnSync } = require('node:child_process');
const {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} = require('node:fs');
const { tmpdir } = require('node:os');
const { join, relative, resolve } = require('node:path');
const { workflowFingerprint } = require('./workflow-fingerprint');

const ROOT = resolve(__dirname, '..');
const CORPUS = join(ROOT, 'test', 'replay', 'histories');
const SUITES = ['workflows', 'integration', 'model'];

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  if (!args[i + 1]) fail(`${name} needs a value`);
  return args[i + 1];
};

function say(line) {
  process.stderr.write(`[histories] ${line}\n`);
}

function fail(message) {
  process.stderr.write(`histories:record: ${message}\n`);
  process.exit(1);
}

function run(what, command, commandArgs, env = process.env) {
  const started = Date.now();
  say(`${what}: ${[command === process.execPath ? 'node' : command, ...commandArgs].join(' ')}`);
  const res = spawnSync(command, commandArgs, { cwd: ROOT, stdio: 'inherit', env });
  if (res.status !== 0) return false;
  say(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

function git(gitArgs) {
  const res = spawnSync('git', gitArgs, { cwd: ROOT, encoding: 'utf8' });
  return res.status === 0 ? res.stdout.replace(/\s+$/, '') : undefined;
}

function historiesIn(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'manifest.json')
    .sort();
}

const started = Date.now();
const out = option('--out');

if (
  !flag('--no-build') &&
  !run('build', process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'])
) {
  fail('the build failed: nothing recorded (fix the compile errors, or --no-build to record what dist/ holds)');
}
if (!run('provision', process.execPath, [join(ROOT, 'bin', 'witkey.js'), 'provision']))
  fail('provisioning the test servers failed');

const before = workflowFingerprint(ROOT);
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
const existing = existsSync(CORPUS)
  ? readdirSync(CORPUS).find((name) => {
      const manifest = join(CORPUS, name, 'manifest.json');
      return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).fingerprint === before.fingerprint;
    })
  : undefined;
const folderName = existing ?? `${version}-${before.fingerprint.slice(0, 8)}`;
const target = out ? resolve(out) : join(CORPUS, folderName);
say(
  `workflow fingerprint ${before.fingerprint} (${before.files.length} files); folder ${relative(ROOT, target) || target}${existing && !out ? ' (exists: re-recording into it)' : ''}`,
);

const suites = SUITES.map((s) => join(ROOT, 'dist', 'test', s)).filter((p) => existsSync(p));
if (suites.length === 0) fail('no compiled test suites in dist/test (did the build run?)');
const recording = mkdtempSync(join(tmpdir(), 'witkey-record-'));
const env = { ...process.env, WITKEY_RECORD_HISTORIES: recording };
if (!run('record', process.execPath, [join(ROOT, 'scripts', 'run-tests.js'), ...suites], env)) {
  fail(`a recording test failed: nothing written (the partial recording is in ${recording})`);
}

const after = workflowFingerprint(ROOT);
if (after.fingerprint !== before.fingerprint) {
  fail(
    `the workflow code changed while recording (${before.fingerprint.slice(0, 8)} → ${after.fingerprint.slice(0, 8)}): nothing written; run again`,
  );
}
const recorded = historiesIn(recording);
if (recorded.length === 0) fail(`the tests recorded no history (${relative(ROOT, suites[0])} ...)`);

mkdirSync(target, { recursive: true });
for (const file of recorded) copyFileSync(join(recording, file), join(target, file));
rmSync(recording, { recursive: true, force: true });
const histories = historiesIn(target);
const changedPaths = git(['status', '--porcelain', '--', ...before.files.map((f) => f.path)]);
const manifest = {
  version,
  fingerprintScheme: before.scheme,
  fingerprint: before.fingerprint,
  commit: git(['rev-parse', 'HEAD']) ?? 'unknown',
  // workflow files that differed from that commit when recording (the fingerprint is what counts)
  uncommitted: changedPaths
    ? changedPaths
        .split('\n')
        .map((l) => l.slice(3))
        .sort()
    : [],
  date: new Date().toISOString(),
  recordedBy: 'npm run histories:record',
  suites: suites.map((s) => relative(ROOT, s).split('\\').join('/')),
  temporalSdk: require('@temporalio/workflow/package.json').version,
  node: process.version,
  histories,
  files: before.files,
};
writeFileSync(join(target, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
say(`${recorded.length} histories recorded, ${histories.length} in the folder, manifest written`);

if (!out && !flag('--no-check')) {
  if (!run('check', process.execPath, [join(ROOT, 'scripts', 'run-tests.js'), join(ROOT, 'dist', 'test', 'replay')])) {
    fail(`the replay test fails with the new folder ${relative(ROOT, target)} (see above)`);
  }
}
say(
  `done in ${((Date.now() - started) / 1000).toFixed(0)} s; ${out ? `trial folder ${target} (not in the corpus)` : `commit it: git add ${relative(ROOT, target)} && git commit`}`,
);
process.stdout.write(`${out ? target : relative(ROOT, target)}\n`);
