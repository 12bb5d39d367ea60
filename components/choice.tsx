'use client';

/**
 * A labelled select of a few values, one of which may mean "no choice" (the empty value): the
 * filters of the graph and flows pages.
 */
export function Choice<T extends string>({
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
    <label>
      {label}{' '}
      <select
        value={value ?? ''}
        onChange={(event) => onChange((event.target.value || undefined) as T | undefined)}
      >
        {Object.entries(options).map(([option, text]) => (
          <option key={option} value={option}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
