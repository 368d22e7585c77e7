/**
 * Where the Temporal connection settings come from, read by the SDK's @temporalio/envconfig: a profile of the
 * Temporal config file (TOML, the format of the `temporal` CLI's `temporal config`) with the standard TEMPORAL_*
 * variables over it.
 *
 *   TEMPORAL_CONFIG_FILE  the file; default <user config dir>/temporalio/temporal.toml as envconfig finds it
 *                         (Linux: $XDG_CONFIG_HOME or ~/.config; macOS: ~/Library/Application Support; Windows:
 *                         %APPDATA%). A missing default file is no profile; a missing TEMPORAL_CONFIG_FILE is an error.
 *   TEMPORAL_PROFILE      the profile, [profile.NAME]; default "default" (which may be absent from the file)
 *   PROFILE_VARIABLES     one variable per key of a profile, over the file's value; TEMPORAL_GRPC_META_<NAME>
 *                         sets a gRPC header (an empty value removes the profile's)
 *
 * The names of 0.1.0 (LEGACY_NAMES) are accepted until 0.3.0, with a notice. An empty variable is not given.
 * Every failure is a ConfigError naming the variable, or the file and the profile.
 */
import { readFileSync } from 'node:fs';
import { platform } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { loadClientConfig, loadClientConfigProfile, type ClientConfigProfile } from '@temporalio/envconfig';
import { ConfigError } from './input-errors';
import { say } from './output';
import { parseBoolean } from './parse';

/** The keys of a profile, as written in the file, and the variable that overrides each. */
export const PROFILE_VARIABLES = {
  address: 'TEMPORAL_ADDRESS',
  namespace: 'TEMPORAL_NAMESPACE',
  api_key: 'TEMPORAL_API_KEY',
  'tls.disabled': 'TEMPORAL_TLS',
  'tls.client_cert_path': 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'tls.client_cert_data': 'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'tls.client_key_path': 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'tls.client_key_data': 'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'tls.server_ca_cert_path': 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'tls.server_ca_cert_data': 'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'tls.server_name': 'TEMPORAL_TLS_SERVER_NAME',
} as const;

export type ProfileKey = keyof typeof PROFILE_VARIABLES;

/** The names of 0.1.0, accepted until 0.3.0: old name, standard name. */
export const LEGACY_NAMES = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
} as const;

/** Standard, read by envconfig, but without a counterpart in the SDK's TLS options: refused when true. */
const DISABLE_HOST_VERIFICATION = 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION';

const GRPC_META = 'TEMPORAL_GRPC_META_';

/** Every variable of TLS or of the API key, standard and old names. */
export const SECURITY_VARIABLES: readonly string[] = [
  ...Object.entries(PROFILE_VARIABLES)
    .filter(([key]) => key === 'api_key' || key.startsWith('tls.'))
    .map(([, variable]) => variable),
  DISABLE_HOST_VERIFICATION,
  ...Object.keys(LEGACY_NAMES),
];

export interface TemporalProfile {
  /** The profile with the variables over it, as envconfig merges them. */
  settings: ClientConfigProfile;
  /** 'profile "prod" of /etc/witkey/temporal.toml', when the file has the profile in use. */
  source?: string;
  /** The name a setting was given under: its variable (the old name if given so), else its key in the file. */
  nameOf(key: ProfileKey): string;
  /** Where a setting came from: its variable, else the profile. */
  originOf(key: ProfileKey): string;
}

interface ProfileInFile {
  path: string;
  name: string;
  text: string;
}

const noticed = new Set<string>();

/** A progress line, at most once per process. */
export function sayOnce(line: string): void {
  if (noticed.has(line)) return;
  noticed.add(line);
  say(line);
}

export function loadTemporalProfile(env: NodeJS.ProcessEnv, notice: (line: string) => void = sayOnce): TemporalProfile {
  const vars = givenVariables(env);
  const legacy = renameLegacy(vars);
  if (legacy.size > 0) notice(legacyNotice(legacy));
  normalizeFlags(vars);
  const inFile = chooseProfile(vars, configFile(env, vars));
  const source = inFile && `profile "${inFile.name}" of ${inFile.path}`;
  const settings = mergedSettings(vars, inFile, source);
  const variableOf = (key: ProfileKey): string | undefined => {
    const variable = PROFILE_VARIABLES[key];
    return vars[variable] === undefined ? undefined : (legacy.get(variable) ?? variable);
  };
  return {
    settings,
    ...(source ? { source } : {}),
    nameOf: (key) =>
      variableOf(key) ?? (inFile ? `${inFile.path} [profile.${inFile.name}] ${key}` : PROFILE_VARIABLES[key]),
    originOf: (key) => variableOf(key) ?? source ?? PROFILE_VARIABLES[key],
  };
}

/** The TEMPORAL_* variables given; an empty one is not, except TEMPORAL_GRPC_META_* (it removes a header). */
function givenVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (name.startsWith('TEMPORAL_') && value !== undefined && (value !== '' || name.startsWith(GRPC_META)))
      vars[name] = value;
  return vars;
}

/** Moves the values of the old names to the standard ones; the old name of each, by standard name. */
function renameLegacy(vars: Record<string, string>): Map<string, string> {
  const given = new Map<string, string>();
  for (const [old, standard] of Object.entries(LEGACY_NAMES)) {
    const value = vars[old];
    if (value === undefined) continue;
    if (vars[standard] !== undefined && vars[standard] !== value)
      throw new ConfigError(
        `${old}=${value} and ${standard}=${vars[standard]} differ: ${old} is the old name of ${standard} (accepted until 0.3.0); set ${standard} only.`,
      );
    vars[standard] = value;
    delete vars[old];
    given.set(standard, old);
  }
  return given;
}

function legacyNotice(legacy: Map<string, string>): string {
  const renames = [...legacy].map(([standard, old]) => `${old} is now ${standard}`);
  return `deprecated names (accepted until 0.3.0): ${renames.join('; ')}`;
}

/** The booleans as envconfig reads them ("true" / "false"), after the CLI's parser. */
function normalizeFlags(vars: Record<string, string>): void {
  const tls = parseBoolean('TEMPORAL_TLS', vars.TEMPORAL_TLS);
  if (tls === undefined) delete vars.TEMPORAL_TLS;
  else vars.TEMPORAL_TLS = String(tls);
  if (parseBoolean(DISABLE_HOST_VERIFICATION, vars[DISABLE_HOST_VERIFICATION]))
    throw new ConfigError(
      `${DISABLE_HOST_VERIFICATION}=true is not supported by the Temporal TypeScript SDK; set TEMPORAL_TLS_SERVER_NAME to the name in the server's certificate, or TEMPORAL_TLS_SERVER_CA_CERT_PATH to its CA.`,
    );
  delete vars[DISABLE_HOST_VERIFICATION];
}

interface ConfigFile {
  path: string;
  /** undefined: there is no file at the default path. */
  text?: string;
}

function configFile(env: NodeJS.ProcessEnv, vars: Record<string, string>): ConfigFile | undefined {
  const given = vars.TEMPORAL_CONFIG_FILE;
  if (given !== undefined) return { path: given, text: readConfigFile(given, true) };
  const path = defaultConfigPath(env);
  return path === undefined ? undefined : { path, text: readConfigFile(path, false) };
}

function readConfigFile(path: string, given: boolean): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT' && !given) return undefined;
    throw new ConfigError(
      `${given ? 'TEMPORAL_CONFIG_FILE=' : 'the Temporal config file '}${path} cannot be read (${code}).`,
    );
  }
}

function defaultConfigPath(env: NodeJS.ProcessEnv): string | undefined {
  const dir = userConfigDir(env);
  return dir === undefined ? undefined : join(dir, 'temporalio', 'temporal.toml');
}

function userConfigDir(env: NodeJS.ProcessEnv): string | undefined {
  const os = platform();
  if (os === 'win32') return env.APPDATA || undefined;
  if (os === 'darwin') return env.HOME ? join(env.HOME, 'Library', 'Application Support') : undefined;
  if (env.XDG_CONFIG_HOME) return isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : undefined;
  return env.HOME ? join(env.HOME, '.config') : undefined;
}

/** TEMPORAL_PROFILE, else "default"; the file's profile, or undefined when the file has none of that name. */
function chooseProfile(vars: Record<string, string>, file: ConfigFile | undefined): ProfileInFile | undefined {
  const names = file?.text === undefined ? [] : profileNames(file.path, file.text);
  const requested = vars.TEMPORAL_PROFILE;
  if (requested !== undefined && !names.includes(requested)) throw missingProfile(requested, file, names);
  const name = requested ?? 'default';
  return file?.text !== undefined && names.includes(name) ? { path: file.path, name, text: file.text } : undefined;
}

function profileNames(path: string, text: string): string[] {
  try {
    return Object.keys(loadClientConfig({ configSource: { data: text } }).profiles);
  } catch (err) {
    // envconfig fails this way on a file without a [profile.NAME] table
    if (err instanceof TypeError) return [];
    throw new ConfigError(`${path} is not a Temporal config file: ${tomlProblem(err)}.`);
  }
}

function tomlProblem(err: unknown): string {
  const e = err as Error & { line?: unknown; column?: unknown };
  const first = String(e?.message ?? err)
    .split('\n')[0]
    .replace(/^Invalid TOML document: /, '');
  return typeof e?.line === 'number' ? `${first} (line ${e.line}, column ${String(e.column)})` : first;
}

function missingProfile(requested: string, file: ConfigFile | undefined, names: string[]): ConfigError {
  const name = `TEMPORAL_PROFILE=${requested}`;
  if (file === undefined)
    return new ConfigError(`${name} but no Temporal config file is set: set TEMPORAL_CONFIG_FILE.`);
  if (file.text === undefined)
    return new ConfigError(
      `${name} but ${file.path} does not exist: set TEMPORAL_CONFIG_FILE to the file of the profile.`,
    );
  const has = names.length ? `its profiles: ${names.join(', ')}` : 'it has no [profile.NAME] table';
  return new ConfigError(`${name} but ${file.path} has no [profile.${requested}] (${has}).`);
}

function mergedSettings(
  vars: Record<string, string>,
  inFile: ProfileInFile | undefined,
  source: string | undefined,
): ClientConfigProfile {
  try {
    return loadClientConfigProfile({
      ...(inFile ? { configSource: { data: inFile.text }, profile: inFile.name } : { disableFile: true }),
      overrideEnvVars: vars,
    });
  } catch (err) {
    const where = source ? `${source} with the TEMPORAL_* variables` : 'the TEMPORAL_* variables';
    throw new ConfigError(`${where}: ${tomlProblem(err)}.`);
  }
}
