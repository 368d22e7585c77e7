/**
 * The one data converter of every Client and Worker of the project (client commands, worker, webhook, the
 * embedded stack, the cluster): the SDK's default payload converter, and the encryption codec when keys are
 * configured. Without keys it is the SDK's default, unchanged.
 */
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, type Keyring } from './payload-codec';

export function witkeyDataConverter(keyring: Keyring | undefined): DataConverter {
  return keyring ? { payloadCodecs: [new EncryptionCodec(keyring)] } : {};
}
