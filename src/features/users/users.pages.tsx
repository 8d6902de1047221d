import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { type FieldErrors, isAppError } from '../../errors.ts';
import { formValues, pageContext, redirectWithFlash, sendPage } from '../../http/context.ts';
import { actorOf, type Handler, idParam } from '../../http/handlers.ts';
import { msg } from '../../i18n/i18n.ts';
import type { Actor, Role } from '../../permissions.ts';
import { userListSchema } from './oversight.schemas.ts';
import { type OversightService, oversightRights } from './oversight.service.ts';
import type { UserRow } from './users.repository.ts';
import { type PostedForm, UserDeletePage, UserListPage, UserPage } from './users.views.tsx';

type Values = PostedForm['values'];

/** One whole sentence per role, so each language words it its own way. */
const roleChangedMessages: Record<Role, string> = {
  user: msg('{{email}} is now a user.'),
  manager: msg('{{email}} is now a manager.'),
  admin: msg('{{email}} is now an admin.'),
};

/**
 * Runs a form action; refused input shows the form again (422), while every other refusal
 * (403, 404, 409) goes to the error page with its status.
 */
async function showInvalidAgain(reply: FastifyReply, action: () => Promise<unknown>, render: (errors: FieldErrors) => VNode) {
  try {
    return await action();
  } catch (error) {
    if (!isAppError(error) || error.code !== 'VALIDATION_FAILED') throw error;
    return sendPage(reply, render(error.fields ?? { _form: error.message }), error.status);
  }
}

/** User oversight pages: thin handlers over the oversight service. */
export function createUserPages(deps: { oversight: OversightService; devMailbox: boolean }) {
  const { oversight } = deps;
  const ctx = (request: FastifyRequest, reply: FastifyReply) => pageContext(request, reply, deps.devMailbox);

  /** A POST on the user page: the action's flash on success, the page with the form's errors on bad input. */
  const userAction =
    (name: PostedForm['name'], run: (actor: Actor, user: UserRow, values: Values) => Promise<string>): Handler =>
    async (request, reply) => {
      const actor = actorOf(request);
      const user = await oversight.getUser(actor, idParam(request));
      const values = formValues(request.body);
      return showInvalidAgain(
        reply,
        async () => redirectWithFlash(reply, `/users/${user.id}`, 'success', await run(actor, user, values)),
        (errors) =>
          UserPage({ ctx: ctx(request, reply), user, rights: oversightRights(actor, user), form: { name, values, errors } }),
      );
    };

  return {
    list: async (request, reply) => {
      const actor = actorOf(request);
      const query = userListSchema.parse(request.query ?? {});
      const page = await oversight.listUsers(actor, query);
      return sendPage(reply, UserListPage({ ctx: ctx(request, reply), page, query }));
    },

    show: async (request, reply) => {
      const actor = actorOf(request);
      const user = await oversight.getUser(actor, idParam(request));
      return sendPage(reply, UserPage({ ctx: ctx(request, reply), user, rights: oversightRights(actor, user) }));
    },

    block: userAction('block', async (actor, user, values) => {
      const { changed } = await oversight.blockUser(actor, user.id, values.reason);
      const { email } = user;
      return changed
        ? msg('{{email}} is blocked and their sessions have ended.', { email })
        : msg('{{email}} was already blocked.', { email });
    }),

    unblock: userAction('unblock', async (actor, user, values) => {
      const { changed } = await oversight.unblockUser(actor, user.id, values.reason);
      const { email } = user;
      return changed
        ? msg('{{email}} is unblocked and may log in again.', { email })
        : msg('{{email}} was not blocked.', { email });
    }),

    changeRole: userAction('role', async (actor, user, values) => {
      const updated = await oversight.changeRole(actor, user.id, values.role, values.reason);
      return msg(roleChangedMessages[updated.role], { email: updated.email });
    }),

    deleteForm: async (request, reply) => {
      const user = await oversight.getDeletable(actorOf(request), idParam(request));
      return sendPage(reply, UserDeletePage({ ctx: ctx(request, reply), user }));
    },

    delete: async (request, reply) => {
      const actor = actorOf(request);
      const user = await oversight.getDeletable(actor, idParam(request));
      const values = formValues(request.body);
      return showInvalidAgain(
        reply,
        async () => {
          await oversight.deleteUser(actor, user.id, values.reason);
          return redirectWithFlash(
            reply,
            '/users',
            'success',
            msg('{{email}} is deleted, with everything they owned.', { email: user.email }),
          );
        },
        (errors) => UserDeletePage({ ctx: ctx(request, reply), user, values, errors }),
      );
    },
  } satisfies Record<string, Handler>;
}
