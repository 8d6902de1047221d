import type { Container } from '../container.ts';
import { isAppError } from '../errors.ts';

/** A CLI command as data, so the same thing runs in this process or is forwarded to a running server. */
export type CliCommand =
  | { name: 'migrate' }
  | { name: 'create-admin'; email: string; password: string; fullName: string }
  | { name: 'set-role'; email: string; role: string; reason?: string | undefined };

export interface CommandResult {
  code: number;
  output: string;
}

const describeError = (error: unknown): CommandResult => {
  if (isAppError(error)) {
    const fields = error.fields ? Object.entries(error.fields).map(([field, message]) => `  ${field}: ${message}`) : [];
    return { code: 1, output: [`Error: ${error.message}`, ...fields].join('\n') };
  }
  throw error;
};

/** Carries out a command against a container; refusals become exit code 1 with the reason. */
export async function executeCommand(c: Container, command: CliCommand): Promise<CommandResult> {
  try {
    switch (command.name) {
      case 'migrate':
        // Opening the container applied every pending migration already.
        return { code: 0, output: 'The database schema is up to date.' };
      case 'create-admin': {
        const user = await c.auth.createAdmin({
          email: command.email,
          fullName: command.fullName,
          password: command.password,
          passwordConfirm: command.password,
        });
        return { code: 0, output: `Admin ${user.email} created (id ${user.id}).` };
      }
      case 'set-role': {
        const user = await c.users.changeRole(null, command.email, command.role, command.reason);
        return { code: 0, output: `${user.email} is now ${user.role}.` };
      }
    }
  } catch (error) {
    return describeError(error);
  }
}
