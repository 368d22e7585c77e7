#!/usr/bin/env node
'use strict';
// The fingerprint of the workflow code: a SHA-256 over the source files that go into the workflow bundle, i.e.
// workflows/index.ts and every local module it imports, transitively (workflows/**, alipay/core/**, ...).
//
// Each file is compiled on its own as the bundle sees it (TypeScript transpileModule, comments removed), so types,
// type-only imports, comments, blank lines and indentation do not count; what counts is the sequence of tokens of
// the emitted JavaScript, and the file's path. Imports are followed in the emitted JavaScript (require of a
// relative path), so a module imported for its types only is not part of the bundle and not of the fingerprint.
// A TypeScript upgrade that changes the emitted code may change the fingerprint (record again; it is harmless).
//
// Usage: node scripts/workflow-fingerprint.js [--root DIR] [--json]
//   prints the fingerprint (64 hex digits); --json prints { scheme, fingerprint, files: [{ path, sha256 }] }.
// Used by test/replay (CI check) and scripts/record-histories.js; docs/VERSIONING.md explains the policy.
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');
const ts = require('typescript');

const SCHEME = 'witkey-workflow-fingerprint/1';
// Packages bundled with the workflows besides the SDK (worker/prebuilt-bundle.ts BUNDLE_SOURCES: the OpenTelemetry
// workflow interceptors): their name and installed version count, as `node_modules/<name>@<version>`.
const BUNDLED_PACKAGES = ['@temporalio/interceptors-opentelemetry'];
// The bundle's entries: the workflows and the project's own workflow interceptor modules (BUNDLE_SOURCES).
const ENTRIES = [
  'workflows/index.ts',
  'workflows/stale-time-guard.ts',
  'workflows/unsent-commands-guard.ts',
  'workflows/quiet-task-mark.ts',
  'workflows/traced-runs.ts',
];
const COMPILER_OPTIONS = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  esModuleInterop: true,
  removeComments: true,
  isolatedModules: true,
};

function resolveLocal(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`workflow fingerprint: cannot resolve '${spec}' imported by ${fromFile}`);
}

/** The tokens of a JavaScript text (AST leaves: identifiers, keywords, punctuation, literals, template parts). */
function tokens(js, fileName) {
  const sf = ts.createSourceFile(fileName, js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const out = [];
  const requires = [];
  const visit = (node) => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'require' &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0]) &&
      node.arguments[0].text.startsWith('.')
    ) {
      requires.push(node.arguments[0].text);
    }
    const children = node.getChildren(sf);
    if (children.length === 0) {
      out.push(`${node.kind}:${node.getText(sf)}`);
      return;
    }
    for (const child of children) visit(child);
  };
  visit(sf);
  return { tokens: out, requires };
}

/** { scheme, fingerprint, files: [{ path, sha256 }] } of the workflow code under root (default: this repository). */
function workflowFingerprint(root = resolve(__dirname, '..')) {
  root = resolve(root);
  const queue = ENTRIES.map((e) => join(root, e));
  for (const entry of queue) if (!existsSync(entry)) throw new Error(`workflow fingerprint: ${entry} not found`);
  const seen = new Map();
  while (queue.length) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const js = ts.transpileModule(source, {
      compilerOptions: COMPILER_OPTIONS,
      fileName: file,
      reportDiagnostics: false,
    }).outputText;
    const scanned = tokens(js, file.replace(/\.ts$/, '.js'));
    seen.set(file, createHash('sha256').update(scanned.tokens.join('\n')).digest('hex'));
    for (const spec of scanned.requires) queue.push(resolveLocal(file, spec));
  }
  for (const name of BUNDLED_PACKAGES) {
    const { version } = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
    seen.set(join(root, 'node_modules', name), createHash('sha256').update(`${name}@${version}`).digest('hex'));
  }
  const files = [...seen.entries()]
    .map(([file, sha256]) => ({ path: relative(root, file).split(sep).join('/'), sha256 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const all = createHash('sha256').update(`${SCHEME}\n`);
  for (const f of files) all.update(`${f.path} ${f.sha256}\n`);
  return { scheme: SCHEME, fingerprint: all.digest('hex'), files };
}

module.exports = { workflowFingerprint, SCHEME, BUNDLED_PACKAGES, ENTRIES };

if (require.main === module) {
  const args = process.argv.slice(2);
  const rootAt = args.indexOf('--root');
  const root = rootAt >= 0 ? args[rootAt + 1] : undefined;
  const result = workflowFingerprint(root);
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(result, null, 2)}\n` : `${result.fingerprint}\n`);
}
