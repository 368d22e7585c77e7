/** How a Temporal server binary is obtained: a path we found or built, or the SDK's own cached download. */
export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

/** Progress printer used while provisioning (defaults to stderr so it never mixes with command output). */
export type Progress = (message: string) => void;

export const stderrProgress: Progress = (message) => {
  process.stderr.write(`[devstack] ${message}\n`);
};

export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
}
