// Data folders written before the database (state.json, format 1) are imported into it once, at start: the file is
// checked as before (version, conservation), written to the database in one transaction with its fingerprint, then
// renamed state.json.imported (kept for the user, never read again). A start interrupted between the two steps finds
// the fingerprint and only finishes the rename.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { conservationViolations } from '../books/conservation';
import type { SandboxState } from './persisted-state';
import { changesOfWholeState, type StateDatabase } from './state-database';

export const LEGACY_STATE_FILE = 'state.json';
export const IMPORTED_SUFFIX = '.imported';
const IMPORTED_META = 'importedStateJson';

/** Import the data folder's state.json into `db` when there is one (see above). */
export function importLegacyStateFile(dataDir: string, db: StateDatabase): void {
  const path = join(dataDir, LEGACY_STATE_FILE);
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  const hash = createHash('sha256').update(text).digest('hex');
  if (db.isEmpty()) {
    const state = JSON.parse(text) as SandboxState;
    if (state.version !== 1) throw new Error(`${path}: unsupported state version ${String(state.version)}`);
    const violations = conservationViolations(state);
    if (violations.length > 0) throw new Error(`${path}: the stored ledger is not conserved: ${violations.join('; ')}`);
    db.write(changesOfWholeState(state), { [IMPORTED_META]: hash });
  } else if (db.meta(IMPORTED_META) !== hash) {
    throw new Error(`${dataDir}: both ${LEGACY_STATE_FILE} and a database with other data; move one of them away`);
  }
  renameSync(path, `${path}${IMPORTED_SUFFIX}`);
}
