// Detail lists (docs/PROTOCOL.md §3.2): the ONE separator table and the codec. Pure.
//
// Values containing any separator of the table (or of an override), or control characters, are rejected before
// signing: otherwise a nickname could inject a transfer record.

import { DetailCodecError } from './errors';
import { hasControlCharacters } from './fields';
import { formatYuan, parseYuan } from './money';

export type DetailListName =
  | 'confirm.by.platform/transfer_detail'
  | 'cancel.confirm.by.platform/cancel_transfer_detail'
  | 'task.confirm/transfer_detail'
  | 'left.amount.handle/transfer_detail'
  | 'left.amount.handle/refund_detail'
  | 'left.amount.handle/platform_detail';

export interface Separators {
  /** Between the fields of one record (absent for lists of bare transfer numbers). */
  readonly field?: string;
  /** Between records (absent for single-record details). */
  readonly list?: string;
}

/** THE separator table. Override per call with the `separators` option of the codec functions. */
export const DETAIL_SEPARATORS: Readonly<Record<DetailListName, Separators>> = {
  'confirm.by.platform/transfer_detail': { list: '~*@^' },
  'cancel.confirm.by.platform/cancel_transfer_detail': { list: '~@^&' },
  'task.confirm/transfer_detail': { field: '~*@^', list: '*@|$' },
  'left.amount.handle/transfer_detail': { field: '~*@^', list: '*@|$' },
  'left.amount.handle/refund_detail': { field: '~*@^' },
  'left.amount.handle/platform_detail': { field: '~*@^' },
};

function allSeparators(extra?: Separators): string[] {
  const set = new Set<string>();
  for (const s of Object.values(DETAIL_SEPARATORS)) {
    if (s.field) set.add(s.field);
    if (s.list) set.add(s.list);
  }
  if (extra?.field) set.add(extra.field);
  if (extra?.list) set.add(extra.list);
  return [...set];
}

function separatorsOf(name: DetailListName, override?: Separators): Separators {
  return override ?? DETAIL_SEPARATORS[name];
}

/** Reject a value that could break the detail list: empty, control characters, or any separator. */
export function checkDetailValue(field: string, value: string, override?: Separators): string {
  if (typeof value !== 'string' || value.length === 0) throw new DetailCodecError(field, 'empty value');
  if (hasControlCharacters(value)) throw new DetailCodecError(field, 'contains control characters');
  for (const sep of allSeparators(override)) {
    if (value.includes(sep)) throw new DetailCodecError(field, `contains the separator ${JSON.stringify(sep)}`);
  }
  return value;
}

function splitExact(field: string, text: string, sep: string): string[] {
  if (typeof text !== 'string' || text.length === 0) throw new DetailCodecError(field, 'empty detail');
  const parts = text.split(sep);
  for (const p of parts) if (p.length === 0) throw new DetailCodecError(field, 'empty element');
  return parts;
}

// ---- lists of bare transfer numbers (confirm.by.platform, cancel.confirm.by.platform)

export type TransferNumberList =
  'confirm.by.platform/transfer_detail' | 'cancel.confirm.by.platform/cancel_transfer_detail';

export function encodeTransferNumbers(
  name: TransferNumberList,
  numbers: readonly string[],
  separators?: Separators,
): string {
  const sep = separatorsOf(name, separators).list;
  if (!sep) throw new DetailCodecError(name, 'no list separator configured');
  if (numbers.length === 0) throw new DetailCodecError(name, 'no records');
  return numbers.map((n) => checkDetailValue(name, n, separators)).join(sep);
}

export function decodeTransferNumbers(name: TransferNumberList, text: string, separators?: Separators): string[] {
  const sep = separatorsOf(name, separators).list;
  if (!sep) throw new DetailCodecError(name, 'no list separator configured');
  return splitExact(name, text, sep).map((n) => checkDetailValue(name, n, separators));
}

// ---- winner transfer records (task.confirm, left.amount.handle): no, amount, winner 2088 id, nickname

export interface TransferRecord {
  readonly outerTransferNo: string;
  readonly amountFen: number;
  readonly alipayUserId: string;
  readonly nickname: string;
}

export type TransferRecordList = 'task.confirm/transfer_detail' | 'left.amount.handle/transfer_detail';

export function encodeTransferRecords(
  name: TransferRecordList,
  records: readonly TransferRecord[],
  separators?: Separators,
): string {
  const { field, list } = separatorsOf(name, separators);
  if (!field || !list) throw new DetailCodecError(name, 'field and list separators are required');
  if (records.length === 0) throw new DetailCodecError(name, 'no records');
  return records
    .map((r) =>
      [
        checkDetailValue(name, r.outerTransferNo, separators),
        formatYuan(r.amountFen, name),
        checkDetailValue(name, r.alipayUserId, separators),
        checkDetailValue(name, r.nickname, separators),
      ].join(field),
    )
    .join(list);
}

export function decodeTransferRecords(
  name: TransferRecordList,
  text: string,
  separators?: Separators,
): TransferRecord[] {
  const { field, list } = separatorsOf(name, separators);
  if (!field || !list) throw new DetailCodecError(name, 'field and list separators are required');
  return splitExact(name, text, list).map((record) => {
    const parts = splitExact(name, record, field);
    if (parts.length !== 4) throw new DetailCodecError(name, `a record has ${parts.length} fields, expected 4`);
    const [no, amount, userId, nickname] = parts as [string, string, string, string];
    return {
      outerTransferNo: checkDetailValue(name, no, separators),
      amountFen: parseYuan(amount, name),
      alipayUserId: checkDetailValue(name, userId, separators),
      nickname: checkDetailValue(name, nickname, separators),
    };
  });
}

// ---- single serial + amount records (left.amount.handle refund_detail / platform_detail)

export interface SerialAmount {
  readonly serialNo: string;
  readonly amountFen: number;
}

export type SerialAmountDetail = 'left.amount.handle/refund_detail' | 'left.amount.handle/platform_detail';

export function encodeSerialAmount(name: SerialAmountDetail, value: SerialAmount, separators?: Separators): string {
  const { field } = separatorsOf(name, separators);
  if (!field) throw new DetailCodecError(name, 'field separator is required');
  return `${checkDetailValue(name, value.serialNo, separators)}${field}${formatYuan(value.amountFen, name)}`;
}

export function decodeSerialAmount(name: SerialAmountDetail, text: string, separators?: Separators): SerialAmount {
  const { field } = separatorsOf(name, separators);
  if (!field) throw new DetailCodecError(name, 'field separator is required');
  const parts = splitExact(name, text, field);
  if (parts.length !== 2) throw new DetailCodecError(name, `has ${parts.length} fields, expected 2`);
  return { serialNo: checkDetailValue(name, parts[0], separators), amountFen: parseYuan(parts[1], name) };
}
