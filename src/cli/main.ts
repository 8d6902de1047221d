import 'dotenv/config';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Command, CommanderError, Option } from 'commander';
import pino from 'pino';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { createContainer } from '../container.ts';
import { DataDirLockedError, type LockInfo, readLiveHolder } from '../db/data-dir-lock.ts';
import { exportThroughTemporaryFile } from '../features/stats/stats.cli.ts';
import { roles } from '../permissions.ts';
import { type CliCommand, type CommandResult, executeCommand, type ProgressListener } from './commands.ts';
import { forwardCommand } from './control-channel.ts';
import { progressBar } from './progress.ts';

/**
 * Runs a command here, or, when a running server holds the embedded database, through it:
 * PGlite must never be opened by two processes.
 */
async function runDatabaseCommand(config: Config, command: CliCommand, onProgress?: ProgressListener): Promise<CommandResult> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!config.databaseUrl) {
      const holder = readLiveHolder(config.dataDir);
      if (holder && isServer(holder)) return forwardTo(config, command, holder, onProgress);
      // Another CLI command holds the directory for a moment: wait for it rather than fail.
      if (holder) {
        if (Date.now() > deadline) return { code: 1, output: `Error: ${new DataDirLockedError(holder, '').message}` };
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
  try {
    return await forwardCommand(config.dataDir, command, onProgress);
  } catch (error) {
    return {
      code: 1,
      output: `Error: the data directory is held by PID ${holder.pid} (${holder.command}), which did not take the command: ${(error as Error).message}`,
    };
  }
}

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

/** A process kind that needs PostgreSQL: PGlite must never be opened by two processes. */
function refuseEmbedded(what: string): never {
  process.stderr.write(
    `Error: ${what} needs DATABASE_URL (PostgreSQL). The embedded database serves one process: \`herald start\` runs the web app, the scheduler and the sender in it.\n`,
  );
  process.exit(2);
}

export async function main(argv: string[]): Promise<void> {
  let config: Config;
  const program = new Command('herald')
    .description('Herald: self-hosted e-mail mailings')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) })
    .hook('preAction', () => {
      config = loadConfig();
    });

  program
    .command('start')
    .description('run the web app and the background workers in one process')
    .action(async () => serve(config, { workers: true }));

  program
    .command('web')
    .description('run the web app only, no scheduler or sender (PostgreSQL only; pair it with `herald worker`)')
    .action(async () => {
      if (!config.databaseUrl) refuseEmbedded('a web-only process');
      await serve(config, { workers: false });
    });

  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => finish(await runDatabaseCommand(config, { name: 'migrate' })));

  program
    .command('create-admin')
    .description('create an admin account (confirmed, no e-mail needed)')
    .requiredOption('--email <email>', 'the admin’s e-mail address')
    .requiredOption('--password <password>', 'the admin’s password (at least 10 characters)')
    .option('--name <full name>', 'the admin’s full name', 'Administrator')
    .action(async (options: { email: string; password: string; name: string }) =>
      finish(
        await runDatabaseCommand(config, {
          name: 'create-admin',
          email: options.email,
          password: options.password,
          fullName: options.name,
        }),
      ),
    );

  program
    .command('set-role')
    .description('give a user another role')
    .argument('<email>', 'the user’s e-mail address')
    .addArgument(new Command().createArgument('<role>', `one of: ${roles.join(', ')}`).choices(roles))
    .addOption(new Option('--reason <text>', 'why, for the audit log'))
    .action(async (email: string, role: string, options: { reason?: string }) =>
      finish(await runDatabaseCommand(config, { name: 'set-role', email, role, reason: options.reason })),
    );

  program
    .command('import-recipients')
    .description('import recipients from a CSV file (header: email, name, comment) into a user’s list')
    .argument('<file.csv>', 'the CSV file')
    .requiredOption('--owner <email>', 'the user who will own the recipients')
    .action(async (file: string, options: { owner: string }) => {
      const bar = progressBar('Importing');
      const result = await runDatabaseCommand(
        config,
        { name: 'import-recipients', file: path.resolve(file), owner: options.owner },
        bar.update,
      );
      bar.stop();
      await finish(result);
    });

  program
    .command('seed-demo')
    .description('add demo accounts, recipients, messages and mailings (refuses a database with data unless forced)')
    .option('--force', 'add the demo data even though the database has data (existing demo accounts are skipped)', false)
    .action(async (options: { force: boolean }) =>
      finish(await runDatabaseCommand(config, { name: 'seed-demo', force: options.force })),
    );

  program
    .command('posts')
    .description('list published blog posts: slug, date, views, title')
    .option('--all', 'list drafts too', false)
    .action(async (options: { all: boolean }) => finish(await runDatabaseCommand(config, { name: 'posts', all: options.all })));

  program
    .command('export-attempts')
    .description('write SMTP attempts as CSV (everyone’s, or one owner’s) to a file or stdout')
    .option('--mailing <id>', 'only this mailing')
    .option('--run <id>', 'only this run')
    .addOption(new Option('--status <status>', 'only successes or only failures').choices(['success', 'failure']))
    .option('--from <YYYY-MM-DD>', 'from this day (UTC)')
    .option('--to <YYYY-MM-DD>', 'up to and including this day (UTC)')
    .option('--owner <email>', 'only this user’s mailings')
    .option('--output <file>', 'write to this file instead of stdout')
    .action(async (options: Record<'mailing' | 'run' | 'status' | 'from' | 'to' | 'owner' | 'output', string | undefined>) => {
      const { mailing, run, status, from, to, owner } = options;
      const command = (output: string): CliCommand => {
        return { name: 'export-attempts', mailingId: mailing, runId: run, status, from, to, owner, output };
      };
      if (options.output) return finish(await runDatabaseCommand(config, command(path.resolve(options.output))));
      const result = await exportThroughTemporaryFile((file) => runDatabaseCommand(config, command(file)), process.stdout);
      // The CSV went to stdout; the summary or the error goes to stderr.
      process.stderr.write(`${result.output}\n`);
      process.exit(result.code);
    });

  program
    .command('stats')
    .description('print successful and failed attempts and messages sent: everyone’s with the table of users, or one owner’s')
    .option('--owner <email>', 'only this user’s figures')
    .action(async (options: { owner?: string }) =>
      finish(await runDatabaseCommand(config, { name: 'stats', owner: options.owner })),
    );

  program
    .command('send')
    .description('start a run of a mailing now and follow it to the end (exit 1 when anything failed)')
    .argument('<mailing-id>', 'the mailing to send')
    .action(async (mailingId: string) => {
      const bar = progressBar('Sending');
      const result = await runDatabaseCommand(config, { name: 'send', mailingId }, bar.update);
      bar.stop();
      await finish(result);
    });

  program
    .command('send-due')
    .description('one scheduler pass: start the runs that are due and send them (for cron)')
    .action(async () => finish(await runDatabaseCommand(config, { name: 'send-due' })));

  program
    .command('worker')
    .description('run the scheduler and the sender without the web app (PostgreSQL only)')
    .action(async () => {
      if (!config.databaseUrl) refuseEmbedded('a worker');
      const container = await createContainer(config, { command: 'herald worker' });
      await container.startWorkers();
      container.logger.info('Herald worker is running');
      const shutdown = async () => {
        await container.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown());
      process.once('SIGTERM', () => void shutdown());
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`Error: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`Error: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  }
}
