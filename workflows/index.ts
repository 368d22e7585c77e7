/** Every workflow the worker registers (the worker bundles this file). */
export { stackCheck } from './stack-check';
export { bountyTask } from './bounty-task';
export { notificationInbox } from './inbox';
export { inboxItem } from './inbox-item';
