// Barrel for Node-side users (activities, webhook, emulator). Workflow code imports alipay/core/* directly.

export * from './core/errors';
export * from './core/money';
export * from './core/fees';
export * from './core/times';
export * from './core/business-numbers';
export * from './core/detail';
export * from './core/error-codes';
export * from './core/canonical';
export * from './core/fields';
export * from './core/services';
export * from './core/events';
export { sha256, base32Encode, toHex, utf8Encode } from './core/sha256';

export * from './charset';
export * from './keys';
export * from './sign';
export * from './form';
export * from './mapi-request';
export * from './mapi-reply';
export * from './notify';
export * from './notify-verify';
export * from './openapi';
export * from './trade';
export * from './cert';
export { parseXmlStrict, escapeXml } from './xml';
