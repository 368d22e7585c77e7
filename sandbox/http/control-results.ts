/** What the control API answers: the sandbox's public configuration and the outcome of completing a page. */
import type { FeeRates } from '../../alipay/core/fees';
import type { PageCompletion } from '../gateway/outcomes';
import type { FollowedReturn } from '../gateway/page-requests';
import type { SandboxConfig } from '../runtime/config';

/** What other programs need to talk to the sandbox (GET /sandbox/config). */
export interface PublicConfig {
  url: string;
  gatewayUrl: string;
  openApiUrl: string;
  dataDir: string;
  partnerId: string;
  appId: string;
  feeRates: FeeRates;
  timeFactor: number;
  configFile: string;
  keyFiles: SandboxConfig['keyFiles'];
}

export interface PageResult extends PageCompletion {
  /** An injected drop fault: the request was processed but the browser got no answer (no return callback). */
  dropped: boolean;
  /** With followReturn: the site's answer to the return callback. */
  followed?: FollowedReturn;
}
