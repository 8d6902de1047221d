/**
 * One Herald process of the benchmark, started by bench/send.ts with Herald's environment
 * (DATABASE_URL or DATA_DIR, SMTP_URL, the sending knobs) and one of two jobs:
 *
 *   send         seed a mailing of BENCH_MEASURE_RECIPIENTS, run the scheduler and the sender as
 *                `herald worker` does, press "send now" and time it until the sender reports the
 *                run finished;
 *   materialise  seed a mailing and time only the creation of its run (the deliveries'
 *                materialisation), leaving the run for a `herald worker` to send.
 *
 * It reports on stdout as lines `@bench {json}`; everything else it says goes to stderr. Running
 * Herald apart from the benchmark keeps the measurement honest (the benchmark's own work does not
 * share its event loop) and lets the benchmark stop it whatever state it is in.
 */
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { type Container, createContainer } from '../src/container.ts';
import { createSendingRepository } from '../src/features/sending/sending.repository.ts';
import { type SeededMailing, seedMailing } from './seed.ts';

export interface SendMeasurement {
  runId: number;
  seconds: number;
  sent: number;
  failed: number;
  unknown: number;
  /** Sender passes that failed and were retried (Herald logs each on stderr). */
  senderErrors: number;
  bodyBytes: number;
  /** CPU time (user + system) of this process from "send now" to finished, in seconds. */
  cpuSeconds: number;
}

export interface MaterialiseMeasurement {
  runId: number;
  mailingId: number;
  total: number;
  seedSeconds: number;
  /** The run creation alone: one INSERT of the run and one INSERT … SELECT of its deliveries. */
  seconds: number;
}

export type BenchEvent =
  | { event: 'started'; runId: number }
  | { event: 'sent'; result: SendMeasurement }
  | { event: 'materialised'; result: MaterialiseMeasurement };

const report = (event: BenchEvent) => process.stdout.write(`@bench ${JSON.stringify(event)}\n`);

/** Presses "send now" as the owner (the service the page and the API call) and waits for the sender's `finished` event. */
async function timeSendNow(c: Container, seeded: SeededMailing): Promise<SendMeasurement> {
  const finished = new Set<number>();
  let onFinish: (() => void) | undefined;
  c.sender.events.on('finished', ({ runId }) => {
    finished.add(runId);
    onFinish?.();
  });
  let senderErrors = 0;
  c.sender.events.on('failed', () => {
    senderErrors++;
  });
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const { runId } = await c.sending.sendNow(seeded.owner, seeded.mailingId, 'manual');
  report({ event: 'started', runId });
  if (!finished.has(runId)) {
    await new Promise<void>((resolve) => {
      onFinish = () => {
        if (finished.has(runId)) resolve();
      };
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const { run } = await c.sending.getRun(seeded.owner, seeded.mailingId, runId);
  return {
    runId,
    seconds,
    sent: run.sent,
    failed: run.failed,
    unknown: run.unknown,
    senderErrors,
    bodyBytes: seeded.bodyBytes,
    cpuSeconds,
  };
}

async function timeMaterialise(c: Container, recipients: number, bodyBytes: number): Promise<MaterialiseMeasurement> {
  let started = performance.now();
  const seeded = await seedMailing(c, { recipients, bodyBytes });
  const seedSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const runId = await createSendingRepository(c.db).createRun({
    mailingId: seeded.mailingId,
    trigger: 'manual',
    occurrenceAt: null,
    startedBy: seeded.owner.userId,
  });
  const seconds = (performance.now() - started) / 1000;
  if (runId === null) throw new Error(`no run was created for mailing ${seeded.mailingId}`);
  return { runId, mailingId: seeded.mailingId, total: recipients, seedSeconds, seconds };
}

async function main(job: string | undefined): Promise<void> {
  const recipients = Number(process.env.BENCH_MEASURE_RECIPIENTS);
  const bodyBytes = Number(process.env.BENCH_BODY_BYTES ?? 1500);
  if (!(recipients > 0) || (job !== 'send' && job !== 'materialise')) {
    throw new Error('usage: BENCH_MEASURE_RECIPIENTS=<n> node --import tsx bench/measure.ts send|materialise');
  }
  const config = loadConfig(process.env);
  const c = await createContainer(config, {
    command: `herald bench ${job}`,
    logger: pino({ level: config.logLevel }, pino.destination(2)),
  });
  try {
    if (job === 'materialise') {
      report({ event: 'materialised', result: await timeMaterialise(c, recipients, bodyBytes) });
    } else {
      const seeded = await seedMailing(c, { recipients, bodyBytes });
      await c.startWorkers();
      report({ event: 'sent', result: await timeSendNow(c, seeded) });
    }
  } finally {
    await c.close();
  }
}

try {
  await main(process.argv[2]);
  process.exit(0);
} catch (error) {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
}
