import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { executeCommand } from './cli/commands.ts';
import { type ControlServer, startControlServer } from './cli/control-channel.ts';
import type { Config } from './config.ts';
import { type Container, createContainer } from './container.ts';

export interface RunningServer {
  app: FastifyInstance;
  container: Container;
  url: string;
  stop(): Promise<void>;
}

/**
 * `herald start`: web, background workers and (on the embedded database) the CLI control
 * channel in one process. Stops in two phases: stop accepting, then drain and close.
 */
export async function startServer(config: Config, options: { command?: string; workers?: boolean } = {}): Promise<RunningServer> {
  const container = await createContainer(config, { command: options.command ?? 'herald start' });
  let app: FastifyInstance | undefined;
  let control: ControlServer | undefined;
  try {
    app = await buildApp(container);
    await app.listen({ host: config.host, port: config.port });
    if (!config.databaseUrl)
      control = await startControlServer(config.dataDir, (command, onProgress) => executeCommand(container, command, onProgress));
    // `herald web` leaves the scheduler, the sender and transactional mail to `herald worker` processes.
    if (options.workers !== false) await container.startWorkers();
  } catch (error) {
    await app?.close();
    await control?.close();
    await container.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const running = app;
  let stopping: Promise<void> | undefined;
  return {
    app: running,
    container,
    url: `http://127.0.0.1:${port}`,
    stop() {
      stopping ??= (async () => {
        await control?.close();
        await running.close();
        await container.close();
      })();
      return stopping;
    },
  };
}
