/**
 * The CLI's value parsers (issue #10): times are China time unless they carry an offset, whatever the machine's
 * time zone; a bare date is the end of that day for a deadline; negative numbers reach the value parsers and get
 * a one-line reason naming the flag (node's parseArgs alone calls them "ambiguous").
 */
// the parsers must not depend on the machine's zone: run them in one far from China
process.env.TZ = 'America/New_York';

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeArgv, yuanToFen } from '../../cli/args';
import { ConfigError, UsageError } from '../../cli/input-errors';
import {
  parseBasisPoints,
  parseBoolean,
  parseDuration,
  parseHostPort,
  parseName,
  parsePort,
  parseTime,
  timeKey,
} from '../../cli/parse';
import { cleanEnv, oneLineError, witkey } from './helpers';

const NOW = Date.UTC(2029, 5, 1, 0, 0, 0);

describe('parseTime: one time parser for every command', () => {
  test('a time without an offset is China time (UTC+8), on a host in another zone', () => {
    assert.equal(parseTime('--expires', '2030-01-31T18:00:00', { nowMs: NOW }), Date.UTC(2030, 0, 31, 10, 0, 0));
    assert.equal(parseTime('--expires', '2030-01-31 18:00', { nowMs: NOW }), Date.UTC(2030, 0, 31, 10, 0, 0));
    assert.equal(
      parseTime('--expires', '2030-02-01T00:30:15.250', { nowMs: NOW }),
      Date.UTC(2030, 0, 31, 16, 30, 15, 250),
    );
  });

  test('a bare date is the end of that day in China time (deadlines), or its start when asked', () => {
    assert.equal(parseTime('--expires', '2030-01-31', { nowMs: NOW }), Date.UTC(2030, 0, 31, 15, 59, 59));
    assert.equal(
      parseTime('--announce-until', '2030-01-31', { nowMs: NOW, bareDate: 'end-of-day' }),
      Date.UTC(2030, 0, 31, 15, 59, 59),
    );
    assert.equal(
      parseTime('--from', '2030-01-31', { nowMs: NOW, bareDate: 'start-of-day' }),
      Date.UTC(2030, 0, 30, 16, 0, 0),
    );
  });

  test('an explicit offset or Z is taken as given', () => {
    assert.equal(parseTime('--expires', '2030-01-31T18:00:00Z', { nowMs: NOW }), Date.UTC(2030, 0, 31, 18));
    assert.equal(parseTime('--expires', '2030-01-31T18:00:00+08:00', { nowMs: NOW }), Date.UTC(2030, 0, 31, 10));
    assert.equal(parseTime('--expires', '2030-01-31T18:00:00-0500', { nowMs: NOW }), Date.UTC(2030, 0, 31, 23));
  });

  test('durations stay relative to now, with or without "+"', () => {
    assert.equal(parseTime('--expires', '+7d', { nowMs: NOW }), NOW + 7 * 86_400_000);
    assert.equal(parseTime('--expires', '7d', { nowMs: NOW }), NOW + 7 * 86_400_000);
    assert.equal(parseTime('--announce-until', '2h', { nowMs: NOW }), NOW + 2 * 3_600_000);
    assert.equal(parseTime('--expires', '+1w', { nowMs: NOW }), NOW + 7 * 86_400_000);
  });

  test('bad times: a one-line reason naming the flag', () => {
    assert.throws(
      () => parseTime('--expires', '-1d', { nowMs: NOW }),
      (e: Error) => e instanceof UsageError && /^--expires: -1d is in the past/.test(e.message),
    );
    assert.throws(
      () => parseTime('--expires', '2030-02-30', { nowMs: NOW }),
      (e: Error) => e instanceof UsageError && /^--expires="2030-02-30" is not a time/.test(e.message),
    );
    assert.throws(
      () => parseTime('--expires', '2030-01-31T25:00', { nowMs: NOW }),
      (e: Error) => e instanceof UsageError && /--expires/.test(e.message),
    );
    assert.throws(
      () => parseTime('--expires', 'tomorrow', { nowMs: NOW }),
      (e: Error) => e instanceof UsageError && /--expires="tomorrow" is not a time/.test(e.message),
    );
  });
});

/** The error a parser throws, with its class and message. */
function refused(fn: () => unknown, kind: typeof UsageError | typeof ConfigError, message: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof kind, `${e.name}: ${e.message}`);
    assert.match(e.message, message);
    return true;
  });
}

describe('parseDuration: one duration parser for flags and variables', () => {
  test('a number and a unit; with bareMilliseconds a bare number is milliseconds', () => {
    assert.equal(parseDuration('--wait', '90s'), 90_000);
    assert.equal(parseDuration('--wait', '15m'), 900_000);
    assert.equal(parseDuration('--wait', '2h'), 7_200_000);
    assert.equal(parseDuration('--wait', '1d'), 86_400_000);
    assert.equal(parseDuration('--wait', '1w'), 7 * 86_400_000);
    assert.equal(parseDuration('--wait', '500ms'), 500);
    assert.equal(parseDuration('WITKEY_PAYMENT_TIMEOUT', '90000', { bareMilliseconds: true }), 90_000);
  });

  test('white space around the value is ignored; empty or missing is "not given"', () => {
    assert.equal(parseDuration('WITKEY_PAYMENT_TIMEOUT', '  2h \n'), 7_200_000);
    assert.equal(parseDuration('WITKEY_PAYMENT_TIMEOUT', ''), undefined);
    assert.equal(parseDuration('WITKEY_PAYMENT_TIMEOUT', '   '), undefined);
    assert.equal(parseDuration('WITKEY_PAYMENT_TIMEOUT', undefined), undefined);
  });

  test('refused: zero, negative, huge, no unit, unknown unit, inner white space; flags vs variables', () => {
    refused(
      () => parseDuration('WITKEY_PAYMENT_TIMEOUT', '0', { bareMilliseconds: true }),
      ConfigError,
      /="0" must be more than 0/,
    );
    refused(() => parseDuration('--wait', '0s'), UsageError, /^--wait="0s" must be more than 0$/);
    refused(() => parseDuration('--wait', '-5m'), UsageError, /^--wait="-5m" is negative$/);
    refused(
      () => parseDuration('WITKEY_PAYMENT_TIMEOUT', '99999999999999999999d'),
      ConfigError,
      /is too long \(at most 100 years\)/,
    );
    refused(() => parseDuration('--wait', '101y'), UsageError, /^--wait="101y" is not a duration$/);
    refused(() => parseDuration('--wait', '90'), UsageError, /^--wait="90" is not a duration$/);
    refused(() => parseDuration('--wait', '1 h'), UsageError, /is not a duration/);
    refused(() => parseDuration('--wait', '1.5h'), UsageError, /is not a duration/);
    refused(
      () => parseDuration('WITKEY_PAYMENT_TIMEOUT', 'soon', { bareMilliseconds: true }),
      ConfigError,
      /^WITKEY_PAYMENT_TIMEOUT="soon" is not a duration; .*or milliseconds\.$/,
    );
  });
});

describe('parseBoolean: one boolean parser', () => {
  test('true / false, 1 / 0, yes / no, any case, white space ignored', () => {
    for (const t of ['true', 'TRUE', '1', 'yes', ' Yes ']) assert.equal(parseBoolean('TEMPORAL_TLS', t), true, t);
    for (const f of ['false', 'False', '0', 'no', 'NO\t']) assert.equal(parseBoolean('TEMPORAL_TLS', f), false, f);
    assert.equal(parseBoolean('TEMPORAL_TLS', ''), undefined);
    assert.equal(parseBoolean('TEMPORAL_TLS', undefined), undefined);
  });

  test('refused: anything else, naming the variable or flag', () => {
    refused(
      () => parseBoolean('ALIPAY_NOTIFY_VERIFY', 'maybe'),
      ConfigError,
      /^ALIPAY_NOTIFY_VERIFY="maybe" must be true or false/,
    );
    refused(() => parseBoolean('ALIPAY_NOTIFY_VERIFY', '2'), ConfigError, /must be true or false/);
    refused(() => parseBoolean('ALIPAY_NOTIFY_VERIFY', '-1'), ConfigError, /must be true or false/);
    refused(() => parseBoolean('--verify', 'y'), UsageError, /^--verify="y" must be true or false/);
  });
});

describe('parseHostPort and parseName: addresses and names of Temporal', () => {
  test('host:port and names; white space ignored, empty is not given', () => {
    assert.equal(parseHostPort('TEMPORAL_ADDRESS', ' temporal:7233 '), 'temporal:7233');
    assert.equal(parseHostPort('TEMPORAL_ADDRESS', '[::1]:7233'), '[::1]:7233');
    assert.equal(parseHostPort('TEMPORAL_ADDRESS', ''), undefined);
    assert.equal(parseName('WITKEY_TASK_QUEUE', 'witkey-2.a_b'), 'witkey-2.a_b');
    assert.equal(parseName('WITKEY_TASK_QUEUE', undefined), undefined);
  });

  test('refused, naming the variable or the profile key', () => {
    refused(
      () => parseHostPort('TEMPORAL_ADDRESS', 'temporal'),
      ConfigError,
      /^TEMPORAL_ADDRESS="temporal" must be host:port, e\.g\. localhost:7233\.$/,
    );
    refused(
      () => parseHostPort('/etc/t.toml [profile.p] address', 'a b:1'),
      ConfigError,
      /^\/etc\/t\.toml \[profile\.p\] address="a b:1" must be host:port/,
    );
    refused(() => parseName('TEMPORAL_NAMESPACE', '-x'), ConfigError, /^TEMPORAL_NAMESPACE="-x" may contain only/);
  });
});

describe('parsePort: one port parser', () => {
  test('1-65535; 0 only where it means "any free port"; white space ignored', () => {
    assert.equal(parsePort('WITKEY_HTTP_PORT', '8280'), 8280);
    assert.equal(parsePort('WITKEY_HTTP_PORT', '1'), 1);
    assert.equal(parsePort('WITKEY_HTTP_PORT', '65535'), 65535);
    assert.equal(parsePort('WITKEY_HTTP_PORT', ' 8280 '), 8280);
    assert.equal(parsePort('--port', '0', { anyFree: true }), 0);
    assert.equal(parsePort('WITKEY_HTTP_PORT', ''), undefined);
    assert.equal(parsePort('WITKEY_HTTP_PORT', undefined), undefined);
  });

  test('refused: 0, negative, too large, huge, not a number', () => {
    refused(
      () => parsePort('WITKEY_HTTP_PORT', '0'),
      ConfigError,
      /^WITKEY_HTTP_PORT=0 is out of range \(1-65535\)\.$/,
    );
    refused(() => parsePort('--port', '65536'), UsageError, /^--port=65536 is out of range \(1-65535\)$/);
    refused(
      () => parsePort('--port', '65536', { anyFree: true }),
      UsageError,
      /out of range \(0-65535, 0 = any free port\)/,
    );
    refused(() => parsePort('--port', '-1'), UsageError, /^--port="-1" is not a port number/);
    refused(() => parsePort('--port', '99999999999999999999'), UsageError, /is not a port number/);
    refused(
      () => parsePort('WITKEY_UI_PORT', 'http'),
      ConfigError,
      /^WITKEY_UI_PORT="http" is not a port number \(1-65535\)\.$/,
    );
    refused(() => parsePort('WITKEY_UI_PORT', '80 80'), ConfigError, /is not a port number/);
    refused(() => parsePort('WITKEY_UI_PORT', '8e3'), ConfigError, /is not a port number/);
  });
});

describe('parseBasisPoints', () => {
  test('0..10000, nothing else', () => {
    assert.equal(parseBasisPoints('WITKEY_COMMISSION_BP', '0'), 0);
    assert.equal(parseBasisPoints('WITKEY_COMMISSION_BP', ' 1000 '), 1000);
    assert.equal(parseBasisPoints('WITKEY_COMMISSION_BP', '10000'), 10000);
    refused(() => parseBasisPoints('WITKEY_COMMISSION_BP', '10001'), ConfigError, /must be basis points/);
    refused(() => parseBasisPoints('--commission-bp', '-1'), UsageError, /^--commission-bp="-1" must be basis points/);
    refused(() => parseBasisPoints('--commission-bp', '10.5'), UsageError, /must be basis points/);
  });
});

describe('parseTime: edges', () => {
  test('a time from now is a duration after now; white space ignored', () => {
    assert.equal(parseTime('--expires', '  +30d  ', { nowMs: NOW }), NOW + 30 * 86_400_000);
    assert.equal(parseTime('--expires', '+90s', { nowMs: NOW }), NOW + 90_000);
    assert.equal(timeKey('--expires', ' +007d'), '+7d');
    assert.equal(timeKey('--expires', '2030-01-31T18:00:00Z'), String(Date.UTC(2030, 0, 31, 18)));
  });

  test('refused: zero, huge, no unit, an impossible offset', () => {
    refused(() => parseTime('--expires', '+0d', { nowMs: NOW }), UsageError, /^--expires="0d" must be more than 0$/);
    refused(() => parseTime('--expires', '+99999999999d', { nowMs: NOW }), UsageError, /is too long/);
    refused(() => parseTime('--expires', '30', { nowMs: NOW }), UsageError, /^--expires="30" is not a time$/);
    refused(() => parseTime('--expires', '2030-01-31T18:00+15:00', { nowMs: NOW }), UsageError, /is not a time/);
    refused(() => parseTime('--expires', '', { nowMs: NOW }), UsageError, /^--expires="" is not a time$/);
  });
});

describe('negative values reach the value parsers', () => {
  test('normalizeArgv joins "--flag -5" for string flags only', () => {
    const options = { bounty: { type: 'string' as const }, json: { type: 'boolean' as const } };
    assert.deepEqual(normalizeArgv(['--bounty', '-5', '--json'], options), ['--bounty=-5', '--json']);
    assert.deepEqual(normalizeArgv(['--bounty', '-.5'], options), ['--bounty=-.5']);
    assert.deepEqual(normalizeArgv(['--json', '-5'], options), ['--json', '-5']);
    assert.deepEqual(normalizeArgv(['--bounty', '--json'], options), ['--bounty', '--json']);
    assert.deepEqual(normalizeArgv(['--', '--bounty', '-5'], options), ['--', '--bounty', '-5']);
  });

  test('amounts: a negative or zero amount names the flag and the value', () => {
    assert.throws(() => yuanToFen('--bounty', '-5', { positive: true }), {
      message: '--bounty: must be a positive amount in yuan, got -5',
    });
    assert.throws(() => yuanToFen('--bounty', '0', { positive: true }), {
      message: '--bounty: must be a positive amount in yuan, got 0',
    });
    assert.throws(() => yuanToFen('--platform', '-0.5'), {
      message: '--platform: must be an amount in yuan of 0 or more, got -0.5',
    });
    assert.equal(yuanToFen('--platform', '0'), 0);
    assert.equal(yuanToFen('--bounty', '800.50', { positive: true }), 80_050);
  });

  test('the commands: one line naming the flag, not "argument is ambiguous"', async () => {
    const env = cleanEnv({ TEMPORAL_ADDRESS: '127.0.0.1:1' }); // never reached: the values are refused first
    const publish = ['publish', '--id', 'x1', '--title', 't', '--publisher', 'p'];
    oneLineError(
      await witkey([...publish, '--bounty', '-5', '--expires', '+1d'], env),
      /^witkey: --bounty: must be a positive amount in yuan, got -5$/,
    );
    oneLineError(
      await witkey([...publish, '--bounty', '5', '--value-added-fee', '-1', '--expires', '+1d'], env),
      /^witkey: --value-added-fee: must be an amount in yuan of 0 or more, got -1$/,
    );
    oneLineError(
      await witkey([...publish, '--bounty', '5', '--expires', '-1d'], env),
      /^witkey: --expires: -1d is in the past/,
    );
    oneLineError(
      await witkey(['winners', 'T1', '--winner', '2088102000000021:Tom:300', '--announce-until', '-2h'], env),
      /^witkey: --announce-until: -2h is in the past/,
    );
    oneLineError(
      await witkey(['extend', 'T1', '--add-bounty', '-5', '--expires', '+1d'], env),
      /^witkey: --add-bounty: must be an amount in yuan of 0 or more, got -5$/,
    );
    oneLineError(
      await witkey(['leftover', 'T1', '--refund', '-5'], env),
      /^witkey: --refund: must be an amount in yuan of 0 or more, got -5$/,
    );
    oneLineError(await witkey(['list', '--limit', '-3'], env), /^witkey: --limit="-3" must be a positive integer/);
    oneLineError(
      await witkey(['winners', 'T1', '--winner', '2088102000000021:Tom:-3'], env),
      /^witkey: --winner: must be a positive amount in yuan, got -3$/,
    );
    oneLineError(
      await witkey(['resume', 'T1', '--pay-held', 'T 1;x', '--operator', 'a', '--reason', 'r'], env),
      /^witkey: --pay-held: a transfer number \(outer_transfer_no\), got "T 1;x"$/,
    );
    oneLineError(
      await witkey(
        ['resume', 'T1', '--pay-held', 'T1T1', '--cancelled-held', 'T1T1', '--operator', 'a', '--reason', 'r'],
        env,
      ),
      /^witkey: give exactly one of/,
    );
  });

  test('a bare date given to publish is checked against now as the end of that day', async () => {
    const env = cleanEnv({ TEMPORAL_ADDRESS: '127.0.0.1:1', TZ: 'UTC' });
    oneLineError(
      await witkey(
        ['publish', '--id', 'x1', '--title', 't', '--publisher', 'p', '--bounty', '5', '--expires', '2001-01-01'],
        env,
      ),
      /^witkey: --expires 2001-01-01T15:59:59Z is in the past$/,
    );
  });
});
