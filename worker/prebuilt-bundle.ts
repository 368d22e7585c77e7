/**
 * The workflow bundle built once by `npm run build` (dist/workflow-bundle/), so starting a worker does not run
 * webpack. The manifest lists every compiled module the bundle was made from with its SHA-256; a bundle whose inputs
 * changed since (a `tsc` without the bundling step) is stale and not used: the caller bundles afresh instead.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { WORKFLOW_TRACING_INTERCEPTORS } from '../tracing/temporal';

/** dist/workflow-bundle/ next to the compiled worker (dist/worker/). */
export const PREBUILT_DIR = join(__dirname, '..', 'workflow-bundle');
/** The compiled entry of the workflows (dist/workflows/index.js). */
export const WORKFLOWS_ENTRY = require.resolve('../workflows');

/**
 * What the bundle is made of: the workflows, the OpenTelemetry workflow interceptors (tracing/temporal.ts), the two
 * activation guards and the quiet-task mark, in every bundle whether tracing is on or off, so that a history replays
 * the same on every worker.
 */
export const BUNDLE_SOURCES = {
  workflowsPath: WORKFLOWS_ENTRY,
  workflowInterceptorModules: [
    WORKFLOW_TRACING_INTERCEPTORS,
    require.resolve('../workflows/stale-time-guard'),
    require.resolve('../workflows/unsent-commands-guard'),
    // last: the guards above see the commands it adds
    require.resolve('../workflows/quiet-task-mark'),
  ],
};

interface Manifest {
  /** Compiled module (relative to dist/) → SHA-256 of its bytes. */
  inputs: Record<string, string>;
}

/** Where a bundle lives and what it is made from (tests point it elsewhere). */
export interface BundlePlace {
  dir: string;
  entry: string;
  /** Input paths in the manifest are relative to this folder. */
  root: string;
  /** Modules bundled besides the workflows' own (the interceptors): their bytes, and the project modules they load, count too. */
  extraModules?: string[];
}

const DIST: BundlePlace = {
  dir: PREBUILT_DIR,
  entry: WORKFLOWS_ENTRY,
  root: join(__dirname, '..'),
  extraModules: BUNDLE_SOURCES.workflowInterceptorModules,
};
const files = (place: BundlePlace) => ({
  code: join(place.dir, 'workflow-bundle.js'),
  manifest: join(place.dir, 'manifest.json'),
});

/** The local modules the workflows load, following relative `require(...)` calls of the compiled JavaScript. */
export function bundleInputs(entry: string = WORKFLOWS_ENTRY): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const js = readFileSync(file, 'utf8');
    for (const m of js.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) visit(resolveModule(dirname(file), m[1]));
  };
  visit(entry);
  return [...seen].sort();
}

function resolveModule(from: string, spec: string): string {
  const base = resolve(from, spec);
  for (const candidate of [`${base}.js`, join(base, 'index.js'), base]) if (existsSync(candidate)) return candidate;
  throw new Error(`workflow bundle: cannot resolve ${spec} from ${from}`);
}

/** A bundled module with the project's modules it loads (a package's module counts by itself). */
function localModuleInputs(file: string): string[] {
  return file.split(/[\\/]/).includes('node_modules') ? [file] : bundleInputs(file);
}

function digests(place: BundlePlace): Record<string, string> {
  return Object.fromEntries(
    [...new Set([...bundleInputs(place.entry), ...(place.extraModules ?? []).flatMap(localModuleInputs)])].map((f) => [
      relative(place.root, f),
      createHash('sha256').update(readFileSync(f)).digest('hex'),
    ]),
  );
}

/** Writes the bundle and its manifest (called by `npm run build`). */
export async function writePrebuiltBundle(code: string, place: BundlePlace = DIST): Promise<string> {
  const { code: codePath, manifest: manifestPath } = files(place);
  await mkdir(place.dir, { recursive: true });
  const manifest: Manifest = { inputs: digests(place) };
  await writeFile(codePath, code);
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  return codePath;
}

/** The pre-built bundle's path, when there is one made from the compiled code as it is now; else why not. */
export function prebuiltBundle(place: BundlePlace = DIST): { codePath: string } | { stale: string } {
  const { code: codePath, manifest: manifestPath } = files(place);
  if (!existsSync(codePath) || !existsSync(manifestPath))
    return { stale: 'no pre-built bundle (npm run build makes it)' };
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const now = digests(place);
  const changed = Object.keys({ ...now, ...manifest.inputs }).filter((f) => now[f] !== manifest.inputs[f]);
  if (changed.length)
    return { stale: `the pre-built bundle is older than ${changed[0]} (npm run build makes it anew)` };
  return { codePath };
}
