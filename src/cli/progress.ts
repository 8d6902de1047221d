import cliProgress from 'cli-progress';
import type { Translate } from '../i18n/i18n.ts';

/**
 * A progress bar on stderr for long commands (a percentage of `total`); silent when stderr is not
 * a terminal, so scripts and logs get only the summary.
 */
export function progressBar(label: string, t: Translate) {
  // {bar}, {percentage} and {eta_formatted} are cli-progress's own placeholders, filled in as it draws.
  const left = t('{{time}} left', { time: '{eta_formatted}' });
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% · ${left}`,
      stream: process.stderr,
      noTTYOutput: false,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done: number, total: number) => {
      if (!process.stderr.isTTY) return;
      if (!started) {
        bar.start(Math.max(total, 1), 0);
        started = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
