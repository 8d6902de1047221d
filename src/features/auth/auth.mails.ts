import { isLanguage, type Language, translator } from '../../i18n/i18n.ts';
import type { OutgoingMail } from '../mail/mail.service.ts';

/** Whom an account mail goes to; it is written in their profile's language. */
interface Person {
  email: string;
  fullName: string;
  language: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const languageOf = (user: Person): Language => (isLanguage(user.language) ? user.language : 'en');

/** One shape for every account mail: a greeting, a paragraph, one link, a closing line (all already translated). */
function accountMail(user: Person, subject: string, intro: string, link: string, outro: string): OutgoingMail {
  const t = translator(languageOf(user));
  const greeting = t('Hello {{name}},', { name: user.fullName });
  const text = `${greeting}\n\n${intro}\n\n${link}\n\n${outro}\n\n— Herald\n`;
  const html =
    `<p>${escapeHtml(greeting)}</p><p>${escapeHtml(intro)}</p>` +
    `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>${escapeHtml(outro)}</p><p>— Herald</p>`;
  return { to: user.email, subject, text, html, links: [link] };
}

export function confirmationMail(user: Person, link: string): OutgoingMail {
  const t = translator(languageOf(user));
  return accountMail(
    user,
    t('Confirm your e-mail address'),
    t('Open this link to confirm your e-mail address and activate your Herald account:'),
    link,
    t('The link works once and expires in 48 hours. If you did not register, ignore this e-mail.'),
  );
}

export function passwordResetMail(user: Person, link: string): OutgoingMail {
  const t = translator(languageOf(user));
  return accountMail(
    user,
    t('Reset your password'),
    t('Open this link to choose a new password for your Herald account:'),
    link,
    t('The link works once and expires in 1 hour. If you did not ask for it, ignore this e-mail: your password stays as it is.'),
  );
}

export function accountExistsMail(user: Person, baseUrl: string): OutgoingMail {
  const t = translator(languageOf(user));
  return accountMail(
    user,
    t('You already have a Herald account'),
    t('Someone tried to register with this address, which already has an account. If it was you, log in or reset your password:'),
    `${baseUrl}/password-reset`,
    t('If it was not you, ignore this e-mail.'),
  );
}
