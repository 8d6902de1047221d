import type { OutgoingMail } from '../mail/mail.service.ts';

interface Person {
  email: string;
  fullName: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** One shape for every account mail: a greeting, a paragraph, one link, a closing line. */
function accountMail(user: Person, subject: string, intro: string, link: string, outro: string): OutgoingMail {
  const text = `Hello ${user.fullName},\n\n${intro}\n\n${link}\n\n${outro}\n\n— Herald\n`;
  const html =
    `<p>Hello ${escapeHtml(user.fullName)},</p><p>${escapeHtml(intro)}</p>` +
    `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>${escapeHtml(outro)}</p><p>— Herald</p>`;
  return { to: user.email, subject, text, html, links: [link] };
}

export const confirmationMail = (user: Person, link: string) =>
  accountMail(
    user,
    'Confirm your e-mail address',
    'Open this link to confirm your e-mail address and activate your Herald account:',
    link,
    'The link works once and expires in 48 hours. If you did not register, ignore this e-mail.',
  );

export const passwordResetMail = (user: Person, link: string) =>
  accountMail(
    user,
    'Reset your password',
    'Open this link to choose a new password for your Herald account:',
    link,
    'The link works once and expires in 1 hour. If you did not ask for it, ignore this e-mail: your password stays as it is.',
  );

export const accountExistsMail = (user: Person, baseUrl: string) =>
  accountMail(
    user,
    'You already have a Herald account',
    'Someone tried to register with this address, which already has an account. If it was you, log in or reset your password:',
    `${baseUrl}/password-reset`,
    'If it was not you, ignore this e-mail.',
  );
