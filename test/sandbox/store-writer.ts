// A child process for the crash test: publishes tasks into the store of the data folder in argv[2], one mutation
// each, and prints each task's id once its mutation resolved (acknowledged), until it is killed.

import { StateStore } from '../../sandbox/runtime/state-store';
import { publishTask } from './store-fixtures';

async function main(): Promise<void> {
  const store = new StateStore(process.argv[2]);
  for (let i = 1; ; i++) {
    const id = `K${i}`;
    await store.mutate((s) => publishTask(s, id));
    process.stdout.write(`${id}\n`);
  }
}

void main();
