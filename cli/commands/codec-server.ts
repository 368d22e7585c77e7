/** `witkey codec-server`: the codec server alone (deployments), for the Web UI and the Temporal CLI. */
import { resolve } from 'node:path';
import { EncryptionCodec, startCodecServer } from '../../codec';
import { str, type Values } from '../args';
import { describeCodec, isLoopback, loadCodecKeys, loadCodecServerSettings } from '../codec-config';
import type { CommandSpec } from '../command';
import { STACK_DEFAULTS } from '../config';
import { ConfigError } from '../input-errors';
import { say, waitForStopSignal } from '../output';
import { parsePort } from '../parse';

export const codecServerCommand: CommandSpec = {
  summary: 'serve /decode and /encode with the codec keys, for the Temporal Web UI and CLI (remote codec)',
  help: `witkey codec-server [--host H] [--port N]

Serves Temporal's remote codec protocol with the keys of WITKEY_CODEC_KEYS_DIR (docs/CODEC.md), so that the Web UI
(its codec endpoint: TEMPORAL_CODEC_ENDPOINT of the temporalio/ui image, codec.endpoint of its config, or
"--ui-codec-endpoint" of a dev server) and the Temporal CLI ("--codec-endpoint URL --codec-auth 'Bearer TOKEN'")
show decoded payloads:
  POST /decode, POST /encode   {"payloads": [...]} in, {"payloads": [...]} out
  GET /healthz                 {"status": "ok"}
Browsers are answered only from the origins of WITKEY_CODEC_ORIGINS (default http://localhost:$WITKEY_UI_PORT and
http://127.0.0.1:$WITKEY_UI_PORT, the local Web UI); any other origin gets 403. With WITKEY_CODEC_TOKEN set, every
/decode and /encode needs "Authorization: Bearer <token>"; a listen address other than loopback requires it.

  --host H   listen address (default 127.0.0.1, env WITKEY_CODEC_HOST)
  --port N   port (default 8288, env WITKEY_CODEC_PORT)

example: WITKEY_CODEC_KEYS_DIR=/run/secrets/witkey/codec-keys WITKEY_CODEC_ORIGINS=https://temporal.example.com witkey codec-server`,
  options: { host: { type: 'string' }, port: { type: 'string' } },
  run: (v) => codecServer(v),
};

async function codecServer(v: Values): Promise<void> {
  const env = process.env;
  const dataDir = resolve(env.WITKEY_DATA_DIR ?? STACK_DEFAULTS.dataDir);
  const uiPort = parsePort('WITKEY_UI_PORT', env.WITKEY_UI_PORT) ?? STACK_DEFAULTS.uiPort;
  const settings = loadCodecServerSettings(env, uiPort, { host: str(v, 'host'), port: str(v, 'port') });
  const keys = loadCodecKeys(env, dataDir);
  if (!keys.keyring)
    throw new ConfigError(
      'the codec server has no keys: set WITKEY_CODEC_KEYS_DIR to the key folder of the workers and webhooks (and WITKEY_CODEC_KEY_ID).',
    );
  if (!isLoopback(settings.host) && !settings.token)
    throw new ConfigError(
      `--host / WITKEY_CODEC_HOST=${settings.host} is not loopback: set WITKEY_CODEC_TOKEN, so that only holders of the token can decrypt.`,
    );
  let running;
  try {
    running = await startCodecServer({
      codec: new EncryptionCodec(keys.keyring),
      allowedOrigins: settings.origins,
      host: settings.host,
      port: settings.port,
      logger: { level: 'info' },
      ...(settings.token ? { token: settings.token } : {}),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new ConfigError(
        `the codec server port ${settings.port} is already in use; choose another with WITKEY_CODEC_PORT.`,
      );
    throw err;
  }
  say(
    `codec server on ${running.url}: ${describeCodec(keys)}; browsers from ${settings.origins.join(', ')}; bearer token ${settings.token ? 'required' : 'not required (loopback)'}`,
  );
  say('press Ctrl-C to stop');
  await waitForStopSignal();
  await running.close();
  say('codec server stopped');
}
