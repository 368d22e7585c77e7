const wf = require('@temporalio/workflow');
const { proxySinks } = wf;
const { probe } = proxySinks();
/** The upserted search attributes, decoded: (Key=value, ...). */
function searchAttributes(upsert) {
  const fields = (upsert.searchAttributes && upsert.searchAttributes.indexedFields) || {};
  const text = (p) => (p && p.data ? String.fromCharCode(...p.data) : '');
  return (
    '(' +
    Object.entries(fields)
      .map(([k, p]) => k + '=' + text(p))
      .join(', ') +
    ')'
  );
}
exports.interceptors = () => ({
  internals: [
    {
      activate(input, next) {
        const a = input.activation;
        const ts = a.timestamp ? Number(a.timestamp.seconds) * 1000 + Math.floor((a.timestamp.nanos || 0) / 1e6) : null;
        probe.log(
          'ACT ts=' +
            (ts && new Date(ts).toISOString()) +
            ' Date.now=' +
            new Date(Date.now()).toISOString() +
            ' replaying=' +
            a.isReplaying +
            ' hlen=' +
            a.historyLength +
            ' jobs=' +
            a.jobs.map((j) => j.variant + (j.fireTimer ? '#' + j.fireTimer.seq : '')).join(','),
        );
        return next(input);
      },
      concludeActivation(input, next) {
        const out = next(input);
        probe.log(
          '  CMDS ' +
            out.commands
              .map(
                (c) =>
                  Object.keys(c)
                    .filter((k) => c[k] != null && k !== 'userMetadata')
                    .join('/') +
                  (c.startTimer
                    ? '(' + c.startTimer.seq + ':' + JSON.stringify(c.startTimer.startToFireTimeout) + ')'
                    : '') +
                  (c.upsertWorkflowSearchAttributes ? searchAttributes(c.upsertWorkflowSearchAttributes) : ''),
              )
              .join(' ') +
            ' Date.now=' +
            new Date(Date.now()).toISOString(),
        );
        return out;
      },
    },
  ],
});
