/**
 * The sandbox's log: a line for people and, where they are known, fields for machines (`outerTaskId`, `notifyId`,
 * `service`, ...). `witkey sandbox` writes both as a JSON line; a plain line sink may ignore the fields.
 */
export type SandboxLog = (
  line: string,
  fields?: Readonly<Record<string, string | number | boolean | undefined>>,
) => void;
