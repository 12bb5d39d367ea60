'use client';

import { type InputHTMLAttributes, type ReactNode, useId } from 'react';

const CONTROL =
  'h-8 rounded-md border border-line-strong bg-surface px-2 text-sm text-ink placeholder:text-muted focus-visible:outline-2 focus-visible:outline-focus aria-invalid:border-deny';

/**
 * A label above its control (given the label's id), small and muted, as in dense admin tools; an
 * error beside the label (its id is the control's with `-error`), so that a row of fields stays aligned.
 */
function Labelled({
  label,
  error,
  children,
}: {
  label: string;
  error?: string;
  children: (id: string) => ReactNode;
}) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1">
      <div className="flex items-baseline gap-2 text-xs font-medium">
        <label htmlFor={id} className="text-muted">
          {label}
        </label>
        {error && (
          <span id={`${id}-error`} className="text-deny">
            {error}
          </span>
        )}
      </div>
      {children(id)}
    </div>
  );
}

/** A labelled text input, with what is wrong with its value when `error` says. */
export function TextField({
  label,
  error,
  className = '',
  ...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string }) {
  return (
    <Labelled label={label} error={error}>
      {(id) => (
        <input
          id={id}
          className={`${CONTROL} ${className}`}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          {...props}
        />
      )}
    </Labelled>
  );
}

/**
 * A labelled select of a few values, one of which may mean "no choice" (the empty value): the
 * filters of the graph and flows pages.
 */
export function SelectField<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: T | undefined;
  /** Value → what the option says; the `''` key is the "no choice" option. */
  options: Readonly<Record<string, string>>;
  onChange: (value: T | undefined) => void;
}) {
  return (
    <Labelled label={label}>
      {(id) => (
        <select
          id={id}
          className={`${CONTROL} pr-7`}
          value={value ?? ''}
          onChange={(event) => onChange((event.target.value || undefined) as T | undefined)}
        >
          {Object.entries(options).map(([option, text]) => (
            <option key={option} value={option}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Labelled>
  );
}

/** A checkbox with its label beside it. */
export function CheckField({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="flex h-8 items-center gap-2 self-end text-sm text-ink">
      <input
        type="checkbox"
        className="size-4 accent-accent"
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
      />
      {label}
    </label>
  );
}

/** A row of filters or actions above a view. */
export function Toolbar({ children, label }: { children: ReactNode; label?: string }) {
  return (
    <fieldset className="flex flex-wrap items-end gap-3 rounded-lg border border-line bg-surface p-3">
      {label && <legend className="sr-only">{label}</legend>}
      {children}
    </fieldset>
  );
}
