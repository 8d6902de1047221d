import { setTimeout as delay } from 'node:timers/promises';
import type { Container } from '../container.ts';
import type { Translate } from '../i18n/i18n.ts';
import type { Actor } from '../permissions.ts';
import type { CommandResult, ProgressListener } from './commands.ts';

/** The CLI acts with the operator's authority: an admin that is no account. */
const operator: Actor = { userId: 0, role: 'admin', email: '(cli)', fullName: 'herald CLI', via: 'cli' };

/** Sends from this process (unless it already does, as a running server) until `work` returns a result. */
async function sendHere<T>(c: Container, work: () => Promise<T | null>): Promise<T> {
  const alreadySending = c.sender.isRunning();
  if (!alreadySending) c.sender.start();
  try {
    for (;;) {
      const result = await work();
      if (result !== null) return result;
      await delay(200);
    }
  } finally {
    if (!alreadySending) await c.sender.pause();
  }
}

/** `herald send <mailing-id>`: a CLI run with live progress, a summary, and exit 1 when anything failed. */
export async function sendMailing(
  c: Container,
  rawId: string,
  onProgress: ProgressListener,
  t: Translate,
): Promise<CommandResult> {
  const { mailingId, runId } = await c.sending.sendNow(operator, rawId, 'cli');
  const run = await sendHere(c, async () => {
    const { run, progress } = await c.sending.getRun(operator, mailingId, runId);
    onProgress(progress.sent + progress.failed + progress.suppressed + progress.unknown, run.total);
    return run.state === 'sending' ? null : run;
  });
  const line = t(
    'Run #{{run}} of mailing {{mailing}}: {{sent}} sent, {{failed}} failed, {{suppressed}} suppressed, {{unknown}} unknown, of {{total}}.',
    {
      run: run.id,
      mailing: mailingId,
      sent: run.sent,
      failed: run.failed,
      suppressed: run.suppressed,
      unknown: run.unknown,
      total: run.total,
    },
  );
  return { code: run.failed + run.unknown > 0 ? 1 : 0, output: line };
}

/** `herald send-due`: one scheduler pass, then the runs it started are sent before the command ends. */
export async function sendDue(c: Container, t: Translate): Promise<CommandResult> {
  const pass = await c.scheduler.runDue();
  await sendHere(c, async () => ((await c.sending.countSendableRuns()) === 0 ? true : null));
  const started = t('{{count}} runs started and sent', { count: pass.created });
  const skipped = t('{{count}} occurrences skipped as too old', { count: pass.skipped });
  return { code: 0, output: `${started}, ${skipped}.` };
}
