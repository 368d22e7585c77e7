// How the sandbox's cost per operation follows the number of tasks it holds. One in-process sandbox per size is
// filled with published and paid tasks through the real operations (task.create opened and paid, as a publisher
// does); then the same batch of publish+pay operations is timed on each, in alternating rounds so that the load of
// a shared machine falls on every size alike. Prints, per size, the median wall and CPU milliseconds per operation
// and the operations per second, then the ratios of the largest size to the smallest (flat = 1).
//   npx tsc -p tsconfig.json && node dist/bench/sandbox-scale.js [sizes, default 1000,10000] [batch, default 40]
//   [rounds, default 5]
// The script uses only the sandbox's public API, so the same file measures an older build of the sandbox too.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTaskCreate } from '../alipay/core/services';
import { Md5Key } from '../alipay/keys';
import { mapiGetUrl, signMapiRequest } from '../alipay/mapi-request';
import { ManualClock, startSandbox, type Sandbox } from '../sandbox';

const T0 = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

interface Subject {
  size: number;
  sandbox: Sandbox;
  dataDir: string;
  /** Publish and pay the next task of this sandbox. */
  publishAndPay: () => Promise<void>;
  wallMs: number[];
  cpuMs: number[];
}

async function subject(size: number): Promise<Subject> {
  const dataDir = mkdtempSync(join(tmpdir(), `witkey-sandbox-scale-${size}-`));
  const sandbox = await startSandbox({ dataDir, clock: new ManualClock(T0), autoDeliver: false });
  // MD5 signing: the cheapest of the partner's sign types, so that the sandbox's own work dominates the figures.
  const md5Key = new Md5Key(readFileSync(sandbox.config.keyFiles.partnerMd5Key, 'utf8').trim());
  let n = 0;
  const publishAndPay = async (): Promise<void> => {
    n += 1;
    const id = `S${n}`;
    const signed = signMapiRequest(
      buildTaskCreate({
        outerTaskId: id,
        outerTaskFreezeNo: `${id}FZ`,
        taskAmountFen: 1000,
        returnUrl: 'http://127.0.0.1:9/return',
        notifyUrl: 'http://127.0.0.1:9/notify',
        taskType: 'bench',
        taskTitle: `task ${id}`,
        taskExpiredTime: T0 + 30 * DAY,
        outerAccountId: `publisher-${n % 100}`,
      }),
      {
        gatewayUrl: sandbox.gatewayUrl,
        partner: sandbox.config.partnerId,
        inputCharset: 'utf-8',
        signer: { signType: 'MD5', md5Key },
      },
    );
    await sandbox.pay(mapiGetUrl(signed, sandbox.gatewayUrl));
  };
  return { size, sandbox, dataDir, publishAndPay, wallMs: [], cpuMs: [] };
}

async function fill(s: Subject): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < s.size; i++) {
    await s.publishAndPay();
    if ((i + 1) % 1000 === 0)
      process.stderr.write(`  ${s.size}: ${i + 1} tasks (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  }
}

/** One timed batch: wall and CPU (user + system) milliseconds per operation. */
async function measure(s: Subject, batch: number): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) await s.publishAndPay();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  s.wallMs.push(wall / batch);
  s.cpuMs.push((cpu.user + cpu.system) / 1000 / batch);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const sizes = (argv[0] ?? '1000,10000').split(',').map(Number);
  const batch = Number(argv[1] ?? 40);
  const rounds = Number(argv[2] ?? 5);
  const subjects: Subject[] = [];
  try {
    for (const size of sizes) {
      const s = await subject(size);
      subjects.push(s);
      await fill(s);
      await measure(s, 5); // warm-up, not counted
      s.wallMs.length = 0;
      s.cpuMs.length = 0;
    }
    for (let r = 0; r < rounds; r++) for (const s of subjects) await measure(s, batch);
    const rows = subjects.map((s) => ({
      tasks: s.size,
      wallMsPerOp: Number(median(s.wallMs).toFixed(2)),
      cpuMsPerOp: Number(median(s.cpuMs).toFixed(2)),
      opsPerSecond: Number((1000 / median(s.wallMs)).toFixed(1)),
    }));
    console.table(rows);
    const [first, last] = [rows[0], rows[rows.length - 1]];
    console.log(
      JSON.stringify({
        sizes,
        batch,
        rounds,
        rows,
        wallRatio: Number((last.wallMsPerOp / first.wallMsPerOp).toFixed(2)),
        cpuRatio: Number((last.cpuMsPerOp / first.cpuMsPerOp).toFixed(2)),
        rateRatio: Number((last.opsPerSecond / first.opsPerSecond).toFixed(2)),
      }),
    );
  } finally {
    for (const s of subjects) {
      await s.sandbox.stop();
      rmSync(s.dataDir, { recursive: true, force: true });
    }
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
