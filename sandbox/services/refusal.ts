// A refusal by the emulated Alipay: the wire error code (ILLEGAL_SIGN, WITKEY_NOT_ALLOW, ...) plus a message for
// humans (logs, HTML pages, the control API). The books are never touched by a refused operation.

export class GatewayRefusal extends Error {
  readonly code: string;
  constructor(code: string, message?: string) {
    super(message ? `${code}: ${message}` : code);
    this.name = 'GatewayRefusal';
    this.code = code;
  }
}
