/**
 * The replay corpus (docs/VERSIONING.md): test/replay/histories/<folder>/, one folder per version of the workflow
 * code, each with a manifest.json written by `npm run histories:record` (or, for the 0.1.0 release baseline, by
 * hand) and the histories it lists.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const CORPUS_DIR = join(REPO_ROOT, 'test', 'replay', 'histories');

export interface FingerprintedFile {
  path: string;
  sha256: string;
}

export interface WorkflowFingerprint {
  scheme: string;
  fingerprint: string;
  files: FingerprintedFile[];
}

export interface CorpusManifest {
  version: string;
  fingerprintScheme: string;
  fingerprint: string;
  /** The files of the fingerprint (absent in older manifests): lets a failure name the files that changed. */
  files?: FingerprintedFile[];
  commit: string;
  /** When the folder was recorded (ISO 8601); the newest folder is the one with the latest date. */
  date: string;
  histories: string[];
  baseline?: boolean;
}

export interface CorpusFolder {
  name: string;
  dir: string;
  manifest: CorpusManifest;
  /** The history files present in the folder (every *.json but manifest.json). */
  files: string[];
}

interface FingerprintModule {
  workflowFingerprint(root?: string): WorkflowFingerprint;
}

/** The fingerprint of today's workflow code (scripts/workflow-fingerprint.js). */
export function currentFingerprint(root = REPO_ROOT): WorkflowFingerprint {
  const mod = createRequire(__filename)(join(REPO_ROOT, 'scripts', 'workflow-fingerprint.js')) as FingerprintModule;
  return mod.workflowFingerprint(root);
}

/** The name `npm run histories:record` gives the folder of today's code. */
export function folderNameFor(fingerprint: string): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return `${pkg.version}-${fingerprint.slice(0, 8)}`;
}

/** The corpus folders (each must have a manifest) and anything found outside a folder. */
export function loadCorpus(dir = CORPUS_DIR): { folders: CorpusFolder[]; problems: string[] } {
  const folders: CorpusFolder[] = [];
  const problems: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) {
      problems.push(`${entry}: histories belong in a version folder (test/replay/histories/<version>/)`);
      continue;
    }
    const manifestPath = join(path, 'manifest.json');
    if (!existsSync(manifestPath)) {
      problems.push(`${entry}/: no manifest.json (record with \`npm run histories:record\`)`);
      continue;
    }
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as CorpusManifest;
    for (const key of ['version', 'fingerprintScheme', 'fingerprint', 'commit', 'date'] as const) {
      if (typeof manifest[key] !== 'string' || manifest[key] === '') problems.push(`${entry}/manifest.json: no ${key}`);
    }
    if (!Array.isArray(manifest.histories)) {
      problems.push(`${entry}/manifest.json: no histories list`);
      manifest.histories = [];
    }
    const files = readdirSync(path)
      .filter((f) => f.endsWith('.json') && f !== 'manifest.json')
      .sort();
    folders.push({ name: entry, dir: path, manifest, files });
  }
  return { folders, problems };
}

/** The folder recorded last (latest manifest date; the name breaks a tie). */
export function newestFolder(folders: CorpusFolder[]): CorpusFolder | undefined {
  return [...folders]
    .sort((a, b) => Date.parse(a.manifest.date) - Date.parse(b.manifest.date) || (a.name < b.name ? -1 : 1))
    .at(-1);
}

/** Files whose fingerprint differs between a manifest and today (when the manifest lists its files). */
export function changedFiles(manifest: CorpusManifest, today: WorkflowFingerprint): string[] | undefined {
  if (!manifest.files) return undefined;
  const before = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  const now = new Map(today.files.map((f) => [f.path, f.sha256]));
  const paths = [...new Set([...before.keys(), ...now.keys()])].sort();
  return paths
    .filter((p) => before.get(p) !== now.get(p))
    .map((p) => (!before.has(p) ? `${p} (new)` : !now.has(p) ? `${p} (gone)` : p));
}

/**
 * The history names the tests record: every `saveHistory(<id>, '<name>')` with a literal name in test/**\/*.ts
 * (names built at run time are not seen here). Returns name → files that use it.
 */
export function recordedNames(root = join(REPO_ROOT, 'test')): Map<string, string[]> {
  const names = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'histories' && entry.name !== 'fixtures') walk(path);
      } else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/\bsaveHistory\(\s*[^,()]+,\s*(['"`])([a-z0-9][a-z0-9.-]*)\1\s*\)/g)) {
          const rel = relative(REPO_ROOT, path).split(sep).join('/');
          names.set(m[2], [...(names.get(m[2]) ?? []), rel]);
        }
      }
    }
  };
  walk(root);
  return names;
}
