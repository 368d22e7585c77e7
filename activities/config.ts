/** What the activities need to talk to the gateway, as a plain typed object built at the edge (cli/ or worker/). */
import type { MapiSigner, MapiVerifier, OpenApiClientConfig } from '../alipay';

export interface GatewayConfig {
  /** The legacy gateway, e.g. https://mapi.alipay.com/gateway.do, or the sandbox's. */
  gatewayUrl: string;
  /** 2088 + 12 digits. */
  partner: string;
  /** `_input_charset` as sent ("utf-8", "gbk", "gb2312"). */
  inputCharset: string;
  /** Our key: signs every request. */
  signer: MapiSigner;
  /** Alipay's key: verifies every synchronous reply. */
  verifier: MapiVerifier;
  /** Where Alipay sends notifications and where it returns the browser (WITKEY_PUBLIC_URL + /alipay/notify, /alipay/return). */
  notifyUrl: string;
  returnUrl: string;
  /** The OpenAPI gateway (alipay.trade.query / alipay.trade.cancel on the freeze payment); absent = not configured. */
  openApi?: OpenApiClientConfig;
  /** Per HTTP call to the gateway. */
  requestTimeoutMs: number;
}
