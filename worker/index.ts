export { createWitkeyWorker, witkeyWorkflowBundle, type WorkerSettings } from './create-worker';
