#!/usr/bin/env node
'use strict';
// Import cycles among the repository's own TypeScript modules.
//
// Every .ts file under the folders of tsconfig.json's "include" is parsed with the TypeScript compiler API; its local
// imports are collected: import and export declarations, `import x = require(...)`, and type references written as
// `import('...')`. Type-only imports count too: a circle of types is still a circle a reader has to untangle. The
// cycles are the strongly connected components of that graph (Tarjan); each is printed with one closed path through
// it, and the number of elementary cycles inside it (counted up to a limit).
//
// Usage: node scripts/import-cycles.js [--root DIR] [--under PREFIX] [--json]
//   --under workflows/  only modules under that folder (imports leaving it are ignored)
// Exits 1 when there is a cycle, 0 otherwise.
const { existsSync, readFileSync, readdirSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');
const ts = require('typescript');

const ELEMENTARY_LIMIT = 10_000;

function parseArgs(argv) {
  const args = { root: process.cwd(), under: '', json: false };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--root') args.root = resolve(argv[++i]);
    else if (argv[i] === '--under') args.under = argv[++i];
    else if (argv[i] === '--json') args.json = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

function sourceFiles(root) {
  const config = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const folder of config.include) if (existsSync(join(root, folder))) walk(join(root, folder));
  return out.sort();
}

function resolveLocal(fromFile, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

function localImports(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const specs = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
      specs.push(node.moduleSpecifier.text);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      specs.push(node.moduleReference.expression.text);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) specs.push(node.argument.literal.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      if (node.arguments[0] && ts.isStringLiteral(node.arguments[0])) specs.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...new Set(specs.map((s) => resolveLocal(file, s)).filter(Boolean))];
}

/** Strongly connected components (Tarjan), each with more than one module or a module importing itself. */
function components(graph) {
  let index = 0;
  const stack = [];
  const info = new Map();
  const out = [];
  const strongConnect = (v) => {
    info.set(v, { index, low: index, onStack: true });
    index += 1;
    stack.push(v);
    for (const w of graph.get(v)) {
      if (!info.has(w)) {
        strongConnect(w);
        info.get(v).low = Math.min(info.get(v).low, info.get(w).low);
      } else if (info.get(w).onStack) info.get(v).low = Math.min(info.get(v).low, info.get(w).index);
    }
    if (info.get(v).low === info.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        info.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v).includes(v)) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!info.has(v)) strongConnect(v);
  return out;
}

/** Elementary cycles inside one component, each counted once (from its smallest module), up to the limit. */
function elementaryCycles(graph, component) {
  const members = new Set(component);
  let count = 0;
  let first;
  for (const start of component) {
    const path = [start];
    const onPath = new Set(path);
    const walk = (v) => {
      for (const w of graph.get(v)) {
        if (count >= ELEMENTARY_LIMIT || !members.has(w) || w < start) continue;
        if (w === start) {
          count += 1;
          if (!first) first = [...path, start];
        } else if (!onPath.has(w)) {
          path.push(w);
          onPath.add(w);
          walk(w);
          onPath.delete(w);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return { count, first };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const name = (file) => relative(args.root, file).split(sep).join('/');
  const files = sourceFiles(args.root).filter((f) => name(f).startsWith(args.under));
  const inScope = new Set(files);
  const graph = new Map(files.map((f) => [f, localImports(f).filter((g) => inScope.has(g))]));
  const cycles = components(graph).map((component) => {
    const { count, first } = elementaryCycles(graph, component);
    return { modules: component.map(name), elementaryCycles: count, example: first.map(name) };
  });
  const elementary = cycles.reduce((sum, c) => sum + c.elementaryCycles, 0);
  if (args.json) {
    console.log(JSON.stringify({ modules: files.length, components: cycles.length, elementary, cycles }, null, 2));
  } else {
    console.log(
      `${files.length} modules${args.under ? ` under ${args.under}` : ''}: ${cycles.length} import cycle(s) ` +
        `(strongly connected groups), ${elementary} elementary cycle(s)`,
    );
    cycles.forEach((c, i) => {
      const more = c.elementaryCycles >= ELEMENTARY_LIMIT ? '+' : '';
      console.log(`\n${i + 1}. ${c.modules.length} modules, ${c.elementaryCycles}${more} elementary cycle(s)`);
      for (const m of c.modules) console.log(`   ${m}`);
      console.log(`   e.g. ${c.example.join(' -> ')}`);
    });
  }
  process.exitCode = cycles.length ? 1 : 0;
}

main();
