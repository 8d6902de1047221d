import type { FieldErrors } from '../../errors.ts';
import { timeZoneList } from '../../lib/validation.ts';
import { Field, Form, Select } from '../../views/forms.tsx';
import { Layout, type PageContext } from '../../views/layout.tsx';

/** What the mailing form shows and keeps; recipientIds and weekdays may hold several values. */
export type MailingFormValues = Record<string, string | string[] | undefined>;

export interface MailingChoices {
  messages: { id: number; subject: string }[];
  recipients: { id: number; email: string; fullName: string }[];
  recipientTotal: number;
}

const weekdayNames = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const scheduleKinds = [
  { value: 'once', label: 'Once' },
  { value: 'daily', label: 'Every day' },
  { value: 'weekly', label: 'Every week, on chosen days' },
  { value: 'monthly', label: 'Every month, on a day of the month' },
  { value: 'cron', label: 'Cron expression' },
];

const asList = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const single = (values: MailingFormValues) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])) as Record<
    string,
    string | undefined
  >;

function FieldError({ name, errors }: { name: string; errors?: FieldErrors | undefined }) {
  const error = errors?.[name];
  return error ? (
    <small id={`field-${name}-error`} class="field-error">
      {error}
    </small>
  ) : null;
}

export function MailingFormPage(props: {
  ctx: PageContext;
  title: string;
  action: string;
  choices: MailingChoices;
  values: MailingFormValues;
  errors?: FieldErrors | undefined;
}) {
  const { ctx, choices, values, errors } = props;
  const chosen = new Set(asList(values.recipientIds));
  const weekdays = new Set(asList(values.weekdays));
  const flat = single(values);
  return (
    <Layout ctx={ctx} title={props.title}>
      <p>
        <a href="/mailings">← Mailings</a>
      </p>
      <article>
        <h1>{props.title}</h1>
        {choices.messages.length === 0 && (
          <p class="flash flash-info">
            You have no messages yet: <a href="/messages/new">write one first</a>.
          </p>
        )}
        <Form action={props.action} csrfToken={ctx.csrfToken} submit="Save" errors={errors}>
          <Field name="name" label="Name" values={flat} errors={errors} />
          <Select
            name="messageId"
            label="Message"
            options={[
              { value: '', label: '— choose a message —' },
              ...choices.messages.map((m) => ({ value: String(m.id), label: m.subject })),
            ]}
            values={flat}
            errors={errors}
          />
          <fieldset>
            <legend>Recipients</legend>
            <label>
              <input type="checkbox" name="allRecipients" checked={flat.allRecipients === 'on'} /> All my recipients (
              {choices.recipientTotal})
            </label>
            <label for="field-recipientIds">Or choose some</label>
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
              <small>The first {choices.recipients.length} are listed; use “All my recipients” or the API for more.</small>
            )}
            <FieldError name="recipientIds" errors={errors} />
          </fieldset>
          <fieldset>
            <legend>When</legend>
            <Select
              name="timeZone"
              label="Time zone"
              options={timeZoneList.map((z) => ({ value: z, label: z }))}
              values={flat}
              errors={errors}
            />
            <label for="field-startsAt">Start</label>
            <input
              id="field-startsAt"
              type="datetime-local"
              name="startsAt"
              value={flat.startsAt ?? ''}
              aria-invalid={errors?.startsAt ? 'true' : undefined}
            />
            <FieldError name="startsAt" errors={errors} />
            <label for="field-endsAt">End</label>
            <input
              id="field-endsAt"
              type="datetime-local"
              name="endsAt"
              value={flat.endsAt ?? ''}
              aria-invalid={errors?.endsAt ? 'true' : undefined}
            />
            <FieldError name="endsAt" errors={errors} />
            <Select name="scheduleKind" label="Schedule" options={scheduleKinds} values={flat} errors={errors} />
            <small>Daily, weekly and monthly mailings send at the start's time of day.</small>
            <fieldset>
              <legend>Weekdays (weekly)</legend>
              {weekdayNames.map((day, i) => (
                <label>
                  <input type="checkbox" name="weekdays" value={String(i + 1)} checked={weekdays.has(String(i + 1))} /> {day}
                </label>
              ))}
              <FieldError name="weekdays" errors={errors} />
            </fieldset>
            <Field
              name="dayOfMonth"
              label="Day of the month (monthly; 29–31 mean the month's last day in shorter months)"
              values={flat}
              errors={errors}
              required={false}
            />
            <Field
              name="expression"
              label="Cron expression (minute hour day month weekday)"
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
