#!/usr/bin/env node
'use strict';
// Function lengths in the workflow code: per file, its longest function (name and lines) and how many functions
// are over the limit (30 lines); then the longest function and the longest file overall.
//
// A function is any function declaration, method, constructor, accessor, function expression or arrow function;
// its lines run from its first to its last line (a nested function counts inside its parent too, and on its own).
//
// Usage: node scripts/function-lengths.js [--limit N] [--list] [DIR|FILE ...]   (default: workflows)
//   --list also names every function over the limit.
const { readFileSync, readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const ts = require('typescript');

const args = process.argv.slice(2);
let limit = 30;
const limitAt = args.indexOf('--limit');
if (limitAt >= 0) {
  limit = Number(args[limitAt + 1]);
  args.splice(limitAt, 2);
}
const list = args.includes('--list');
if (list) args.splice(args.indexOf('--list'), 1);
const roots = args.length ? args : ['workflows'];

function sourceFiles(dir) {
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
    });
}

/** A readable name: the declaration's own, or what the function is assigned to or passed to. */
function nameOf(node, sf) {
  if (node.name) return node.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(sf);
  if (ts.isCallExpression(parent)) {
    const callee = parent.expression.getText(sf);
    const first = parent.arguments[0];
    const subject = first && first !== node ? `(${first.getText(sf).slice(0, 40)})` : '';
    return `${callee}${subject} callback`;
  }
  return '(anonymous)';
}

function functionsIn(path) {
  const text = readFileSync(path, 'utf8');
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ name: nameOf(node, sf), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), functions: found };
}

const rows = roots.flatMap(sourceFiles).map((path) => ({ path: relative(process.cwd(), path), ...functionsIn(path) }));
let longest = { name: '-', lines: 0, path: '-' };
let over = 0;
for (const row of rows) {
  const top = row.functions.reduce((a, b) => (b.lines > a.lines ? b : a), { name: '-', lines: 0 });
  const count = row.functions.filter((f) => f.lines > limit).length;
  over += count;
  if (top.lines > longest.lines) longest = { ...top, path: row.path };
  console.log(`${row.path}  ${row.lines} lines; longest function ${top.name} (${top.lines}); over ${limit}: ${count}`);
  if (list) for (const f of row.functions.filter((f) => f.lines > limit)) console.log(`    ${f.name} (${f.lines})`);
}
const longestFile = rows.reduce((a, b) => (b.lines > a.lines ? b : a), { path: '-', lines: 0 });
console.log(`\nlongest function: ${longest.name} in ${longest.path} (${longest.lines} lines)`);
console.log(`functions over ${limit} lines: ${over}`);
console.log(`longest file: ${longestFile.path} (${longestFile.lines} lines)`);
