/**
 * The CLI's value parsers (issue #10): times are China time unless they carry an offset, whatever the machine's
 * time zone; a bare date is the end of that day for a deadline; negative numbers reach the value parsers and get
 * a one-line reason naming the flag (node's parseArgs alone calls them "ambiguous").
 */
// the parsers must not depend on the machine's zone: run them in one far from China
process.env.TZ = 'America/New_York';

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeArgv, parseTime, UsageError, yuanToFen } from '../../cli/args';
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
