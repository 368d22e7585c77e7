export { createWitkeyWorker, witkeyWorkflowBundle, witkeyWorkflowOptions, type WorkerSettings } from './create-worker';
