import { z } from 'zod';
import { msg } from '../../i18n/i18n.ts';
import { language, singleLine, timeZone } from '../../lib/validation.ts';
import { roles } from '../../permissions.ts';

export const profileSchema = z.object({
  fullName: singleLine(200, 'Full name'),
  timeZone,
  language,
});

export const roleSchema = z.enum(roles, msg('Role must be one of: {{roles}}.', { roles: roles.join(', ') }));
