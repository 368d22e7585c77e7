// Replays a history exported with `temporal workflow show --output json`, optionally cut after event N, and prints
// for every activation its timestamp, Date.now() in the workflow, its jobs and the commands the workflow emitted.
// Usage (after `npm run build`): node scripts/replay-probe/probe.js <history.json> <workflowId> [<codec-keys dir>] [N]
// e.g. node scripts/replay-probe/probe.js /work/ndrepro/hist-B008.json witkey-task-B008 /work/ndrepro/codec-keys 82
const { Worker, bundleWorkflowCode } = require('@temporalio/worker');
const { BUNDLE_SOURCES } = require('../../dist/worker/prebuilt-bundle');
const codec = require('../../dist/codec');
const fs = require('fs');
(async () => {
  const [file, workflowId, keys, upto] = process.argv.slice(2);
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (upto) json.events = json.events.filter((e) => Number(e.eventId) <= Number(upto));
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const workflowBundle = await bundleWorkflowCode({
    ...BUNDLE_SOURCES,
    workflowInterceptorModules: [...BUNDLE_SOURCES.workflowInterceptorModules, require.resolve('./interceptor.js')],
    logger: quiet,
  });
  try {
    await Worker.runReplayHistory(
      {
        workflowBundle,
        sinks: { probe: { log: { fn: (_info, m) => console.log(m), callDuringReplay: true } } },
        ...(keys ? { dataConverter: codec.witkeyDataConverter(codec.loadKeyring(keys)) } : {}),
      },
      json,
      workflowId,
    );
    console.log('replays OK');
  } catch (e) {
    console.log('REPLAY FAILS:', e.message.slice(0, 300));
  }
})();
