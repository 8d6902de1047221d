import { z } from 'zod';
import { language, singleLine, timeZone } from '../../lib/validation.ts';
import { roles } from '../../permissions.ts';

export const profileSchema = z.object({
  fullName: singleLine(200, 'Full name'),
  timeZone,
  language,
});

export const roleSchema = z.enum(roles, `Role must be one of: ${roles.join(', ')}.`);
