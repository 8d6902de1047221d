import type { ComponentChildren } from 'preact';
import type { FieldErrors } from '../errors.ts';
import { useT } from './translate-context.ts';

export type FormValues = Record<string, string | undefined>;

/** A form that posts with the CSRF token and shows a form-level error above its fields. */
export function Form(props: {
  action: string;
  csrfToken: string;
  submit: string;
  errors?: FieldErrors | undefined;
  children?: ComponentChildren;
  secondary?: boolean;
}) {
  const t = useT();
  const formError = props.errors?._form;
  return (
    <form method="post" action={props.action} novalidate>
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      {formError && (
        <p class="flash flash-error" role="alert">
          {t(formError)}
        </p>
      )}
      {props.children}
      <button type="submit" class={props.secondary ? 'secondary' : undefined}>
        {props.submit}
      </button>
    </form>
  );
}

/** A labelled input that keeps what was typed (never passwords) and shows its error beside it. */
export function Field(props: {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password';
  values?: FormValues | undefined;
  errors?: FieldErrors | undefined;
  autocomplete?: string;
  required?: boolean;
  hint?: string;
}) {
  const type = props.type ?? 'text';
  const t = useT();
  const error = props.errors?.[props.name];
  const id = `field-${props.name}`;
  const describedBy = [error ? `${id}-error` : '', props.hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return (
    <>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={type as 'text'}
        value={type === 'password' ? '' : (props.values?.[props.name] ?? '')}
        autocomplete={props.autocomplete}
        required={props.required ?? true}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
      />
      {props.hint && <small id={`${id}-hint`}>{props.hint}</small>}
      {error && (
        <small id={`${id}-error`} class="field-error">
          {t(error)}
        </small>
      )}
    </>
  );
}

export function Select(props: {
  name: string;
  label: string;
  options: readonly { value: string; label: string }[];
  values?: FormValues | undefined;
  errors?: FieldErrors | undefined;
}) {
  const t = useT();
  const error = props.errors?.[props.name];
  const id = `field-${props.name}`;
  return (
    <>
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {props.options.map((option) => (
          <option value={option.value} selected={props.values?.[props.name] === option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {error && (
        <small id={`${id}-error`} class="field-error">
          {t(error)}
        </small>
      )}
    </>
  );
}

/** A labelled text area with an optional hint, keeping what was typed and showing its error beside it. */
export function TextArea(props: {
  name: string;
  label: string;
  rows: number;
  values?: FormValues | undefined;
  errors?: FieldErrors | undefined;
  required?: boolean;
  hint?: ComponentChildren;
}) {
  const id = `field-${props.name}`;
  const t = useT();
  const error = props.errors?.[props.name];
  const describedBy = [props.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <>
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows}
        required={props.required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
      >
        {props.values?.[props.name] ?? ''}
      </textarea>
      {props.hint && <small id={`${id}-hint`}>{props.hint}</small>}
      {error && (
        <small id={`${id}-error`} class="field-error">
          {t(error)}
        </small>
      )}
    </>
  );
}
