import type { FieldErrors } from '../../errors.ts';
import { msg } from '../../i18n/i18n.ts';
import { timeZoneList } from '../../lib/validation.ts';
import { Field, Form, Select } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';
import { useT } from '../../views/translate-context.ts';

/** What the mailing form shows and keeps; recipientIds and weekdays may hold several values. */
export type MailingFormValues = Record<string, string | string[] | undefined>;

export interface MailingChoices {
  messages: { id: number; subject: string }[];
  recipients: { id: number; email: string; fullName: string }[];
  recipientTotal: number;
}

const weekdayNames = [
  msg('Monday'),
  msg('Tuesday'),
  msg('Wednesday'),
  msg('Thursday'),
  msg('Friday'),
  msg('Saturday'),
  msg('Sunday'),
];
const scheduleKinds = [
  { value: 'once', label: msg('Once') },
  { value: 'daily', label: msg('Every day') },
  { value: 'weekly', label: msg('Every week, on chosen days') },
  { value: 'monthly', label: msg('Every month, on a day of the month') },
  { value: 'cron', label: msg('Cron expression') },
];

const asList = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const single = (values: MailingFormValues) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])) as Record<
    string,
    string | undefined
  >;

function FieldError({ name, errors }: { name: string; errors?: FieldErrors | undefined }) {
  const t = useT();
  const error = errors?.[name];
  return error ? (
    <small id={`field-${name}-error`} class="field-error">
      {t(error)}
    </small>
  ) : null;
}

export function MailingFormPage(props: {
  ctx: PageContext;
  /** A catalogue key ("New mailing"), shown in the reader's language. */
  title: string;
  action: string;
  choices: MailingChoices;
  values: MailingFormValues;
  errors?: FieldErrors | undefined;
}) {
  const { ctx, choices, values, errors } = props;
  const { t, format } = ctx;
  const chosen = new Set(asList(values.recipientIds));
  const weekdays = new Set(asList(values.weekdays));
  const flat = single(values);
  return (
    <Layout ctx={ctx} title={t(props.title)}>
      <p>
        <a href="/mailings">← {t('Mailings')}</a>
      </p>
      <article>
        <h1>{t(props.title)}</h1>
        {choices.messages.length === 0 && (
          <p class="flash flash-info">
            {t('You have no messages yet:')} <a href="/messages/new">{t('write one first')}</a>.
          </p>
        )}
        <Form action={props.action} csrfToken={ctx.csrfToken} submit={t('Save')} errors={errors}>
          <Field name="name" label={t('Name')} values={flat} errors={errors} />
          <Select
            name="messageId"
            label={t('Message')}
            options={[
              { value: '', label: t('— choose a message —') },
              ...choices.messages.map((m) => ({ value: String(m.id), label: m.subject })),
            ]}
            values={flat}
            errors={errors}
          />
          <fieldset>
            <legend>{t('Recipients')}</legend>
            <label>
              <input type="checkbox" name="allRecipients" checked={flat.allRecipients === 'on'} />{' '}
              {t('All my recipients ({{total}})', { total: format.number(choices.recipientTotal) })}
            </label>
            <label for="field-recipientIds">{t('Or choose some')}</label>
            <select
              id="field-recipientIds"
              name="recipientIds"
              multiple
              size={8}
              aria-invalid={errors?.recipientIds ? 'true' : undefined}
              aria-describedby={errors?.recipientIds ? 'field-recipientIds-error' : undefined}
            >
              {choices.recipients.map((r) => (
                <option value={String(r.id)} selected={chosen.has(String(r.id))}>
                  {r.fullName ? `${r.fullName} <${r.email}>` : r.email}
                </option>
              ))}
            </select>
            {choices.recipientTotal > choices.recipients.length && (
              <small>
                {t('The first {{shown}} are listed; use “All my recipients” or the API for more.', {
                  shown: format.number(choices.recipients.length),
                })}
              </small>
            )}
            <FieldError name="recipientIds" errors={errors} />
          </fieldset>
          <fieldset>
            <legend>{t('When')}</legend>
            <Select
              name="timeZone"
              label={t('Time zone')}
              options={timeZoneList.map((z) => ({ value: z, label: z }))}
              values={flat}
              errors={errors}
            />
            <label for="field-startsAt">{t('Start')}</label>
            <input
              id="field-startsAt"
              type="datetime-local"
              name="startsAt"
              value={flat.startsAt ?? ''}
              aria-invalid={errors?.startsAt ? 'true' : undefined}
            />
            <FieldError name="startsAt" errors={errors} />
            <label for="field-endsAt">{t('End')}</label>
            <input
              id="field-endsAt"
              type="datetime-local"
              name="endsAt"
              value={flat.endsAt ?? ''}
              aria-invalid={errors?.endsAt ? 'true' : undefined}
            />
            <FieldError name="endsAt" errors={errors} />
            <Select
              name="scheduleKind"
              label={t('Schedule')}
              options={scheduleKinds.map((kind) => ({ value: kind.value, label: t(kind.label) }))}
              values={flat}
              errors={errors}
            />
            <small>{t("Daily, weekly and monthly mailings send at the start's time of day.")}</small>
            <fieldset>
              <legend>{t('Weekdays (weekly)')}</legend>
              {weekdayNames.map((day, i) => (
                <label>
                  <input type="checkbox" name="weekdays" value={String(i + 1)} checked={weekdays.has(String(i + 1))} /> {t(day)}
                </label>
              ))}
              <FieldError name="weekdays" errors={errors} />
            </fieldset>
            <Field
              name="dayOfMonth"
              label={t("Day of the month (monthly; 29–31 mean the month's last day in shorter months)")}
              values={flat}
              errors={errors}
              required={false}
            />
            <Field
              name="expression"
              label={t('Cron expression (minute hour day month weekday)')}
              values={flat}
              errors={errors}
              required={false}
            />
          </fieldset>
        </Form>
      </article>
    </Layout>
  );
}
