/**
 * `npm run bench:send`: how fast one Herald process sends into Postfix's smtp-sink on loopback,
 * next to smtp-source's rate into the same sink (the physical limit), on PostgreSQL and on
 * PGlite; how long materialising a million deliveries takes; and the peak memory of a
 * `herald worker` sending a million e-mails. This process only orchestrates and watches: Herald
 * runs in processes of its own. See bench/README.md for the knobs and the figures.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createDatabase, startPostgres } from '../test/support/postgres.ts';
import { type Cleanup, runBenchmark } from './cleanup.ts';
import {
  measureMaterialise,
  measureSend,
  measureWireSize,
  type SendResult,
  sendWithWorker,
  tuning,
  type WorkerRun,
} from './herald.ts';
import type { MaterialiseMeasurement } from './measure.ts';
import { newsletterBody } from './newsletter.ts';
import { runSmtpSource, type Sink, type SourceResult, startSink } from './postfix.ts';
import { countFromEnv, describeMachine, int, machineInfo, megabytes, type Row, rate, renderTable, seconds } from './report.ts';

/**
 * The Markdown body's size. 1,500 bytes make an e-mail of about 5.3 KB on the wire (a text and an
 * HTML part, quoted-printable, and the headers): the size of what smtp-source sends (`-l 5120`
 * plus its headers), so both sides of the ratio move the same bytes per message.
 */
const bodyBytes = countFromEnv('BENCH_BODY_BYTES', 1500);
const settings = {
  recipients: countFromEnv('BENCH_RECIPIENTS', 20_000),
  largeRecipients: countFromEnv('BENCH_LARGE_RECIPIENTS', 1_000_000),
  bodyBytes,
  /** What the mailing's body really is: whole sections up to at least BENCH_BODY_BYTES. */
  actualBodyBytes: Buffer.byteLength(newsletterBody(bodyBytes)),
  /** Rounds of smtp-source, Herald on PostgreSQL and Herald on PGlite, one after the other; the verdict takes the median ratio. */
  rounds: countFromEnv('BENCH_ROUNDS', 3),
  skipLargeRun: process.env.BENCH_SKIP_1M === '1',
  pgliteLarge: process.env.BENCH_PGLITE_1M === '1',
};

/** The issue's targets. */
const TARGETS = { postgres: 0.5, pglite: 0.25, peakMb: 100, materialiseSeconds: 10 };

const say = (line: string) => process.stdout.write(`${line}\n`);

/** One smtp-source run into the sink with a setting of the limit's: 5 KB messages, one per recipient of Herald's runs. */
const runSource = (sink: Sink, setting: { sessions: number; persistent: boolean }) =>
  runSmtpSource(sink, { ...setting, messages: settings.recipients, size: 5120 });

/** smtp-source with a new connection per message and with persistent ones (-d), at two session counts; the best is the limit. */
async function measureLimit(sink: Sink): Promise<SourceResult> {
  const results: SourceResult[] = [];
  for (const persistent of [false, true]) {
    for (const sessions of [8, 32]) {
      const result = await runSource(sink, { sessions, persistent });
      say(
        `  smtp-source -s ${sessions}${persistent ? ' -d' : '   '} -l 5120 -m ${settings.recipients}: ${rate(result.rate)} (${seconds(result.seconds)})`,
      );
      results.push(result);
    }
  }
  return results.reduce((best, r) => (r.rate > best.rate ? r : best));
}

/** One round: smtp-source's rate, and Herald's runs on both databases right after it. */
interface Round {
  limit: number;
  onPostgres: SendResult;
  onPglite: SendResult;
}

function describeSend(result: SendResult, limit: number): string {
  const problems = [
    result.failed ? `${int(result.failed)} failed` : '',
    result.unknown ? `${int(result.unknown)} unknown` : '',
    result.sinkCounted !== result.sent ? `smtp-sink counted ${int(result.sinkCounted)}` : '',
    result.senderErrors ? `${result.senderErrors} failed sender passes` : '',
  ].filter(Boolean);
  const cpu = result.sent ? `; Herald's process: ${int((result.cpuSeconds * 1e6) / result.sent)} µs of CPU per e-mail` : '';
  return `${rate(result.rate)} (${(result.rate / limit).toFixed(2)}×): ${int(result.sent)} sent in ${seconds(result.seconds)}${problems.length ? ` (${problems.join(', ')})` : ''}${cpu}`;
}

const describeMaterialised = (m: MaterialiseMeasurement) =>
  `run of ${int(m.total)} deliveries created in ${seconds(m.seconds)} (seeding the recipients took ${seconds(m.seedSeconds)})`;

/** Builds dist/ as `npm ci` does, so `herald worker` runs compiled, as deployed (docs/adr/0003-compiled-processes.md). */
function build(): void {
  const result = spawnSync(process.execPath, [path.join(import.meta.dirname, '../scripts/build.mjs')], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
}

async function main(cleanup: Cleanup): Promise<void> {
  const machine = machineInfo();
  say(`Herald sending benchmark\n${describeMachine(machine)}`);
  build();
  const workerFlags = process.env.BENCH_WORKER_NODE_OPTIONS;
  say(
    `herald worker runs the compiled build (dist/)${workerFlags ? ` with ${workerFlags}` : ''}; the measuring processes run the sources through tsx`,
  );
  const knobs = Object.entries(tuning()).map(([k, v]) => `${k}=${v}`);
  say(`${int(settings.recipients)} recipients, ${int(settings.actualBodyBytes)}-byte Markdown body; ${knobs.join(' ')}`);

  const wireBytes = await measureWireSize(cleanup, settings.bodyBytes);
  say(
    `One e-mail of this mailing is ${int(wireBytes)} bytes on the wire; smtp-source sends 5,120 bytes of body plus a few headers.`,
  );
  const sink = await startSink(cleanup);
  say(`\n1. The physical limit: smtp-source into smtp-sink on 127.0.0.1:${sink.port}`);
  const limit = await measureLimit(sink);

  const postgres = await cleanup.started('PostgreSQL server', startPostgres(), (server) => server.stop());
  const common = { recipients: settings.recipients, bodyBytes: settings.bodyBytes };

  say(
    `\n2–3. ${settings.rounds} rounds of: smtp-source as above (the limit of the round), then Herald on PostgreSQL ` +
      '(one process running the scheduler and the sender, as `herald worker` does), then Herald on PGlite (the same, DATA_DIR on disk)',
  );
  const rounds: Round[] = [];
  for (let n = 1; n <= settings.rounds; n++) {
    const source = await runSource(sink, limit);
    say(`  round ${n}: smtp-source ${rate(source.rate)}`);
    const onPostgres = await measureSend(cleanup, sink, { ...common, databaseUrl: await createDatabase(postgres.url) });
    say(`    PostgreSQL: ${describeSend(onPostgres, source.rate)}`);
    const onPglite = await measureSend(cleanup, sink, common);
    say(`    PGlite:     ${describeSend(onPglite, source.rate)}`);
    rounds.push({ limit: source.rate, onPostgres, onPglite });
  }

  say(`\n4. Materialising ${int(settings.largeRecipients)} deliveries`);
  const large = { recipients: settings.largeRecipients, bodyBytes: settings.bodyBytes, smtpUrl: sink.url };
  const largeDatabaseUrl = await createDatabase(postgres.url);
  const materialised = await measureMaterialise(cleanup, { ...large, databaseUrl: largeDatabaseUrl });
  say(`  PostgreSQL: ${describeMaterialised(materialised)}`);
  let pgliteMaterialised: MaterialiseMeasurement | undefined;
  if (settings.pgliteLarge) {
    pgliteMaterialised = await measureMaterialise(cleanup, large);
    say(`  PGlite: ${describeMaterialised(pgliteMaterialised)}`);
  } else {
    say('  PGlite: not run (BENCH_PGLITE_1M=1 runs it; it takes minutes, see bench/README.md)');
  }

  let workerRun: WorkerRun | undefined;
  if (!settings.skipLargeRun) {
    say(`\n5. \`herald worker\` sends those ${int(materialised.total)} e-mails (PostgreSQL); its memory is read every second`);
    workerRun = await sendWithWorker(cleanup, sink, { databaseUrl: largeDatabaseUrl, run: materialised });
    const problems =
      workerRun.failed + workerRun.unknown ? `, ${int(workerRun.failed)} failed, ${int(workerRun.unknown)} unknown` : '';
    say(
      `  ${rate(workerRun.rate)}: ${int(workerRun.sent)} sent in ${seconds(workerRun.seconds)}${problems}; ` +
        `peak RSS ${megabytes(workerRun.peakKb)}; RSS along the run: ${workerRun.rssAlong.map((s) => `${s.percent}% ${megabytes(s.rssKb)}`).join(', ')}`,
    );
  } else {
    say('\n5. The worker run is skipped (BENCH_SKIP_1M=1)');
  }

  say(`\nSummary (${describeMachine(machine).split('\n')[0]})\n`);
  say(renderTable(summaryRows({ limit, rounds, materialised, pgliteMaterialised, workerRun })));
  say(
    `\nEach Herald e-mail: ${int(wireBytes)} bytes on the wire (a ${int(settings.actualBodyBytes)}-byte Markdown body as text and HTML parts); ` +
      'each smtp-source message: 5,120 bytes of body plus its headers.',
  );
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/**
 * Herald's row on one database: the median of the rounds' ratios (each against the smtp-source run
 * just before it) and their range. Any e-mail failed, unknown or miscounted by the sink fails it.
 */
function sendRow(rounds: Round[], database: 'onPostgres' | 'onPglite', label: string, target: number): Row {
  const results = rounds.map((round) => round[database]);
  const ratios = rounds.map((round) => round[database].rate / round.limit);
  const broken = results.some((r) => r.failed || r.unknown || r.sinkCounted !== r.sent);
  const mid = median(ratios);
  return {
    measure: `Herald on ${label}, ${int(results[0]?.sent ?? 0)} e-mails, median of ${rounds.length}`,
    result: `${mid.toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×), ${rate(median(results.map((r) => r.rate)))}`,
    target: `≥ ${target}×`,
    verdict: broken ? 'FAIL' : mid >= target ? 'PASS' : 'MISS',
  };
}

function summaryRows(r: {
  limit: SourceResult;
  rounds: Round[];
  materialised: MaterialiseMeasurement;
  pgliteMaterialised: MaterialiseMeasurement | undefined;
  workerRun: WorkerRun | undefined;
}): Row[] {
  const ratio = (value: number) => `${rate(value)} (${(value / r.limit.rate).toFixed(2)}×)`;
  const n = int(r.materialised.total);
  const w = r.workerRun;
  const within = (value: number, max: number): Row['verdict'] => (value <= max ? 'PASS' : 'MISS');
  return [
    {
      measure: `smtp-source → smtp-sink, best (-s ${r.limit.sessions}${r.limit.persistent ? ' -d' : ''})`,
      result: rate(r.limit.rate),
      target: 'the physical limit',
      verdict: '',
    },
    {
      measure: '  in the rounds',
      result: r.rounds.map((round) => int(round.limit)).join(', '),
      target: 'msg/s, each round its own limit',
      verdict: '',
    },
    sendRow(r.rounds, 'onPostgres', 'PostgreSQL', TARGETS.postgres),
    sendRow(r.rounds, 'onPglite', 'PGlite', TARGETS.pglite),
    {
      measure: `Materialise ${n} deliveries, PostgreSQL`,
      result: seconds(r.materialised.seconds),
      target: `≤ ${TARGETS.materialiseSeconds} s`,
      verdict: within(r.materialised.seconds, TARGETS.materialiseSeconds),
    },
    {
      measure: `Materialise ${n} deliveries, PGlite`,
      result: r.pgliteMaterialised ? seconds(r.pgliteMaterialised.seconds) : 'not run',
      target: `≤ ${TARGETS.materialiseSeconds} s`,
      verdict: r.pgliteMaterialised ? within(r.pgliteMaterialised.seconds, TARGETS.materialiseSeconds) : 'skipped',
    },
    {
      measure: `Sender peak RSS, ${n}-e-mail run`,
      result: w ? megabytes(w.peakKb) : 'not run',
      target: `≤ ${TARGETS.peakMb} MB`,
      verdict: w ? within(w.peakKb / 1024, TARGETS.peakMb) : 'skipped',
    },
    {
      measure: `  the rate of that run`,
      result: w ? ratio(w.rate) : 'not run',
      target: '',
      verdict: w && (w.failed || w.unknown || w.sinkCounted !== w.sent) ? 'FAIL' : '',
    },
  ];
}

await runBenchmark(main);
