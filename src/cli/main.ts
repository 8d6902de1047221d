import 'dotenv/config';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { createSendingCore } from '../container.ts';
import { DataDirLockedError, type LockInfo, readLiveHolder } from '../db/data-dir-lock.ts';
import { defaultLanguage, languageOfEnvironment, msg, type Translate, translator } from '../i18n/i18n.ts';
import { roles } from '../permissions.ts';
import { translateCommanderText } from './commander-messages.ts';
import type { CliCommand, CommandResult, ProgressListener } from './commands.ts';

// The command-line parser, the one-off commands, the full container and the progress bar are
// loaded by the commands that use them (`import()` below), so a long-running `herald worker`
// never holds them in memory.

/**
 * Runs a command here, or, when a running server holds the embedded database, through it:
 * PGlite must never be opened by two processes. The command names its language, so either way
 * the answer is in the caller's.
 */
async function runCommand(config: Config, command: CliCommand, onProgress?: ProgressListener): Promise<CommandResult> {
  const [{ createContainer }, { executeCommand, translatorOf }] = await Promise.all([
    import('../container.ts'),
    import('./commands.ts'),
  ]);
  const t = translatorOf(command);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!config.databaseUrl) {
      const holder = readLiveHolder(config.dataDir);
      if (holder && isServer(holder)) return forwardTo(config, command, holder, onProgress);
      // Another CLI command holds the directory for a moment: wait for it rather than fail.
      if (holder) {
        if (Date.now() > deadline) return { code: 1, output: lockedMessage(holder, t) };
        await delay(200);
        continue;
      }
    }
    try {
      const container = await createContainer(config, { command: `herald ${command.name}`, logger: quietLogger(config) });
      try {
        return await executeCommand(container, command, onProgress);
      } finally {
        await container.close();
      }
    } catch (error) {
      // Someone took the lock between our check and our open: look again.
      if (error instanceof DataDirLockedError && Date.now() < deadline) continue;
      throw error;
    }
  }
}

const isServer = (holder: LockInfo) => holder.command === 'herald start';

async function forwardTo(
  config: Config,
  command: CliCommand,
  holder: LockInfo,
  onProgress?: ProgressListener,
): Promise<CommandResult> {
  const [{ forwardCommand }, { translatorOf }] = await Promise.all([import('./control-channel.ts'), import('./commands.ts')]);
  try {
    return await forwardCommand(config.dataDir, command, onProgress);
  } catch (error) {
    const t = translatorOf(command);
    return {
      code: 1,
      output: t('Error: the data directory is held by PID {{pid}} ({{command}}), which did not take the command: {{reason}}', {
        pid: holder.pid,
        command: holder.command,
        reason: t((error as Error).message),
      }),
    };
  }
}

/** The data directory is another Herald process's (the lock's own error text is English, for logs). */
const lockedMessage = (holder: LockInfo, t: Translate) =>
  t(
    'Error: the data directory is in use by another Herald process (PID {{pid}}, {{command}}, since {{since}}). Stop it first, or run CLI commands while it runs: they are forwarded to it.',
    { pid: holder.pid, command: holder.command, since: holder.startedAt },
  );

/** The CLI prints its own results; of the machinery's logs only warnings and errors go to stderr. */
const quietLogger = (config: Config) =>
  pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel }, pino.destination(2));

async function finish(result: CommandResult): Promise<never> {
  (result.code === 0 ? process.stdout : process.stderr).write(`${result.output}\n`);
  process.exit(result.code);
}

/** `herald start` and `herald web`: the HTTP server, with or without the scheduler and the sender; stops on SIGINT/SIGTERM. */
async function serve(config: Config, options: { workers: boolean }): Promise<void> {
  // Loaded only by the commands that serve pages: a worker or a one-off command never loads Fastify and the views.
  const { startServer } = await import('../server.ts');
  const server = await startServer(config, {
    command: options.workers ? 'herald start' : 'herald web',
    workers: options.workers,
  });
  server.container.logger.info(`Herald is listening on ${config.baseUrl}`);
  const shutdown = async (signal: string) => {
    server.container.logger.info({ signal }, 'shutting down');
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** A process kind that needs PostgreSQL (a message naming it): PGlite must never be opened by two processes. */
function refuseEmbedded(message: string, t: Translate): never {
  process.stderr.write(`${t(message)}\n`);
  process.exit(2);
}

/** `herald worker`: the scheduler, the sender and transactional mail on the sending core alone, until SIGINT/SIGTERM. */
async function runWorker(config: Config, t: Translate): Promise<void> {
  if (!config.databaseUrl)
    refuseEmbedded(
      msg(
        'Error: a worker needs DATABASE_URL (PostgreSQL). The embedded database serves one process: `herald start` runs the web app, the scheduler and the sender in it.',
      ),
      t,
    );
  const container = await createSendingCore(config, { command: 'herald worker' });
  await container.startWorkers();
  container.logger.info('Herald worker is running');
  const shutdown = async () => {
    await container.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

/** Says why a command could not run, in the reader's language, and exits (2: configuration, 1: anything else). */
function fail(error: unknown, t: Translate): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${t('Configuration error: {{message}}', { message: t(error.message) })}\n`);
    process.exit(2);
  }
  if (error instanceof DataDirLockedError) {
    process.stderr.write(`${lockedMessage(error.holder, t)}\n`);
    process.exit(1);
  }
  process.stderr.write(`${t('Error: {{message}}', { message: String((error as Error).stack ?? error) })}\n`);
  process.exit(1);
}

export async function main(argv: string[]): Promise<void> {
  let config: Config;
  const language = languageOfEnvironment();
  const t = translator(language);
  // `herald worker` takes no options: it starts without commander, which it would hold for as long as it runs.
  if (argv.length === 1 && argv[0] === 'worker') {
    await runWorker(loadConfig(), t).catch((error: unknown) => fail(error, t));
    return;
  }
  const { Command, CommanderError, Option } = await import('commander');
  const runDatabaseCommand = (command: CliCommand, onProgress?: ProgressListener) =>
    runCommand(config, { ...command, language }, onProgress);
  const program = new Command('herald')
    .description(t('Herald: self-hosted e-mail mailings'))
    .exitOverride()
    // commander's English errors are kept as they are for English readers.
    .configureOutput({
      outputError: (text, write) => write(language === defaultLanguage ? text : translateCommanderText(text, t)),
    })
    .helpOption('-h, --help', t('display help for command'))
    .helpCommand('help [command]', t('display help for command'))
    .hook('preAction', () => {
      config = loadConfig();
    });

  program
    .command('start')
    .description(t('run the web app and the background workers in one process'))
    .action(async () => serve(config, { workers: true }));

  program
    .command('web')
    .description(t('run the web app only, no scheduler or sender (PostgreSQL only; pair it with `herald worker`)'))
    .action(async () => {
      if (!config.databaseUrl)
        refuseEmbedded(
          msg(
            'Error: a web-only process needs DATABASE_URL (PostgreSQL). The embedded database serves one process: `herald start` runs the web app, the scheduler and the sender in it.',
          ),
          t,
        );
      await serve(config, { workers: false });
    });

  program
    .command('migrate')
    .description(t('apply pending database migrations'))
    .action(async () => finish(await runDatabaseCommand({ name: 'migrate' })));

  program
    .command('create-admin')
    .description(t('create an admin account (confirmed, no e-mail needed)'))
    .requiredOption('--email <email>', t('the admin’s e-mail address'))
    .requiredOption('--password <password>', t('the admin’s password (at least 10 characters)'))
    .option('--name <full name>', t('the admin’s full name'), 'Administrator')
    .action(async (options: { email: string; password: string; name: string }) =>
      finish(
        await runDatabaseCommand({
          name: 'create-admin',
          email: options.email,
          password: options.password,
          fullName: options.name,
        }),
      ),
    );

  program
    .command('set-role')
    .description(t('give a user another role'))
    .argument('<email>', t('the user’s e-mail address'))
    .addArgument(new Command().createArgument('<role>', t('one of: {{roles}}', { roles: roles.join(', ') })).choices(roles))
    .addOption(new Option('--reason <text>', t('why, for the audit log')))
    .action(async (email: string, role: string, options: { reason?: string }) =>
      finish(await runDatabaseCommand({ name: 'set-role', email, role, reason: options.reason })),
    );

  program
    .command('import-recipients')
    .description(t('import recipients from a CSV file (header: email, name, comment) into a user’s list'))
    .argument('<file.csv>', t('the CSV file'))
    .requiredOption('--owner <email>', t('the user who will own the recipients'))
    .action(async (file: string, options: { owner: string }) => {
      const bar = (await import('./progress.ts')).progressBar(t('Importing'), t);
      const result = await runDatabaseCommand(
        { name: 'import-recipients', file: path.resolve(file), owner: options.owner },
        bar.update,
      );
      bar.stop();
      await finish(result);
    });

  program
    .command('seed-demo')
    .description(t('add demo accounts, recipients, messages and mailings (refuses a database with data unless forced)'))
    .option('--force', t('add the demo data even though the database has data (existing demo accounts are skipped)'), false)
    .action(async (options: { force: boolean }) => finish(await runDatabaseCommand({ name: 'seed-demo', force: options.force })));

  program
    .command('posts')
    .description(t('list published blog posts: slug, date, views, title'))
    .option('--all', t('list drafts too'), false)
    .action(async (options: { all: boolean }) => finish(await runDatabaseCommand({ name: 'posts', all: options.all })));

  program
    .command('export-attempts')
    .description(t('write SMTP attempts as CSV (everyone’s, or one owner’s) to a file or stdout'))
    .option('--mailing <id>', t('only this mailing'))
    .option('--run <id>', t('only this run'))
    .addOption(new Option('--status <status>', t('only successes or only failures')).choices(['success', 'failure']))
    .option('--from <YYYY-MM-DD>', t('from this day (UTC)'))
    .option('--to <YYYY-MM-DD>', t('up to and including this day (UTC)'))
    .option('--owner <email>', t('only this user’s mailings'))
    .option('--output <file>', t('write to this file instead of stdout'))
    .action(async (options: Record<'mailing' | 'run' | 'status' | 'from' | 'to' | 'owner' | 'output', string | undefined>) => {
      const { mailing, run, status, from, to, owner } = options;
      const command = (output: string): CliCommand => {
        return { name: 'export-attempts', mailingId: mailing, runId: run, status, from, to, owner, output };
      };
      if (options.output) return finish(await runDatabaseCommand(command(path.resolve(options.output))));
      const { exportThroughTemporaryFile } = await import('../features/stats/stats.cli.ts');
      const result = await exportThroughTemporaryFile((file) => runDatabaseCommand(command(file)), process.stdout);
      // The CSV went to stdout; the summary or the error goes to stderr.
      process.stderr.write(`${result.output}\n`);
      process.exit(result.code);
    });

  program
    .command('stats')
    .description(t('print successful and failed attempts and messages sent: everyone’s with the table of users, or one owner’s'))
    .option('--owner <email>', t('only this user’s figures'))
    .action(async (options: { owner?: string }) => finish(await runDatabaseCommand({ name: 'stats', owner: options.owner })));

  program
    .command('backup')
    .description(
      t('write a backup of the embedded database, with the blog’s cover images, to a file (works while `herald start` runs)'),
    )
    .argument('<file>', t('the backup file to write'))
    .option('--force', t('replace the file if it exists'), false)
    .action(async (file: string, options: { force: boolean }) => {
      if (config.databaseUrl) return finish({ code: 2, output: t((await import('./backup.ts')).postgresRefusal) });
      const target = path.resolve(file);
      if (!options.force && existsSync(target))
        return finish({ code: 1, output: t('Error: {{file}} already exists. Add --force to replace it.', { file: target }) });
      // A server holding the directory has the database open; otherwise there must be one to open.
      if (!readLiveHolder(config.dataDir) && !existsSync(path.join(config.dataDir, 'pgdata', 'PG_VERSION')))
        return finish({ code: 1, output: t('Error: there is no database in {{dir}} to back up.', { dir: config.dataDir }) });
      return finish(await runDatabaseCommand({ name: 'backup', file: target, force: options.force }));
    });

  program
    .command('restore')
    .description(t('replace the embedded database (and the cover images) with a backup; stop `herald start` first'))
    .argument('<file>', t('the backup file to restore'))
    .action(async (file: string) => {
      const { restoreCommand } = await import('./backup.ts');
      return finish(await restoreCommand(config, path.resolve(file), t, language));
    });

  program
    .command('send')
    .description(t('start a run of a mailing now and follow it to the end (exit 1 when anything failed)'))
    .argument('<mailing-id>', t('the mailing to send'))
    .action(async (mailingId: string) => {
      const bar = (await import('./progress.ts')).progressBar(t('Sending'), t);
      const result = await runDatabaseCommand({ name: 'send', mailingId }, bar.update);
      bar.stop();
      await finish(result);
    });

  program
    .command('send-due')
    .description(t('one scheduler pass: start the runs that are due and send them (for cron)'))
    .action(async () => finish(await runDatabaseCommand({ name: 'send-due' })));

  program
    .command('worker')
    .description(t('run the scheduler and the sender without the web app (PostgreSQL only)'))
    .action(async () => runWorker(config, t));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    fail(error, t);
  }
}
