/** Payload encryption (docs/CODEC.md): the codec, its keys from files, the data converter, the codec server. */
export * from './payload-codec';
export * from './keys';
export { witkeyDataConverter } from './data-converter';
export { buildCodecServer, startCodecServer, type CodecServerOptions, type RunningCodecServer } from './codec-server';
