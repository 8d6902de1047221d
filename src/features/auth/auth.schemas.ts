import { z } from 'zod';
import { msg } from '../../i18n/i18n.ts';
import { emailAddress, newPassword, singleLine } from '../../lib/validation.ts';

const passwords = { password: newPassword, passwordConfirm: z.string() };
const passwordsMatch: [(value: { password: string; passwordConfirm: string }) => boolean, { path: string[]; message: string }] = [
  (value) => value.password === value.passwordConfirm,
  { path: ['passwordConfirm'], message: msg('The two passwords do not match.') },
];

export const registerSchema = z
  .object({ email: emailAddress, fullName: singleLine(200, 'Full name'), ...passwords })
  .refine(...passwordsMatch)
  .refine((value) => value.password.toLowerCase() !== value.email, {
    path: ['password'],
    message: msg('Password must not be your e-mail address.'),
  });
export type RegisterInput = z.infer<typeof registerSchema>;

export const setupSchema = registerSchema;

export const loginSchema = z.object({
  email: emailAddress,
  password: z.string().min(1, msg('Password is required.')).max(1000, msg('Password is too long.')),
});

export const emailOnlySchema = z.object({ email: emailAddress });

export const resetPasswordSchema = z.object(passwords).refine(...passwordsMatch);

export const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, msg('Enter your current password.')).max(1000, msg('Password is too long.')),
    ...passwords,
  })
  .refine(...passwordsMatch);

export const apiTokenSchema = z.object({ name: singleLine(100, 'Name') });

/** Tokens in links are base64url of 32 bytes; anything else is refused before a lookup. */
export const linkToken = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/);
