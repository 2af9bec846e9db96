// A duration field: typed and shown with units ("20 s", "5 min"), kept in milliseconds. Text that is not a
// duration stays in the field with a hint and changes nothing; `{{ }}` expressions pass through as text.
import { useEffect, useState } from 'react';
import { DURATION_HINT, formatDuration, parseDuration } from './duration';

export interface DurationInputProps {
  id: string;
  value: unknown;
  onChange: (value: number | string | undefined) => void;
  onBlur?: () => void;
  /** Milliseconds shown as a duration, or a text such as "server default". */
  placeholder?: number | string | undefined;
  readOnly?: boolean;
  invalid?: boolean;
  describedBy?: string;
  allowExpressions?: boolean;
}

function shown(value: unknown): string {
  if (typeof value === 'number') return formatDuration(value);
  return typeof value === 'string' ? value : '';
}

export function DurationInput({
  id,
  value,
  onChange,
  onBlur,
  placeholder,
  readOnly,
  invalid,
  describedBy,
  allowExpressions = false,
}: DurationInputProps) {
  const [text, setText] = useState(() => shown(value));
  const [bad, setBad] = useState(false);
  // a value changed from outside (undo, another tab of the panel) replaces what is typed
  useEffect(() => {
    setText((current) => {
      const parsed = parseDuration(current);
      return parsed === value || (parsed === undefined && value === undefined) ? current : shown(value);
    });
  }, [value]);

  const change = (next: string) => {
    setText(next);
    if (allowExpressions && next.trim().startsWith('{{')) {
      setBad(false);
      onChange(next);
      return;
    }
    const ms = parseDuration(next);
    setBad(ms === null);
    if (ms !== null) onChange(ms);
  };

  return (
    <>
      <input
        id={id}
        inputMode="text"
        value={text}
        readOnly={readOnly}
        placeholder={
          placeholder === undefined
            ? 'e.g. 30 s'
            : typeof placeholder === 'number'
              ? formatDuration(placeholder)
              : placeholder
        }
        aria-invalid={bad || invalid || undefined}
        aria-describedby={
          [describedBy, bad ? `${id}-hint` : undefined].filter(Boolean).join(' ') || undefined
        }
        onChange={(e) => change(e.target.value)}
        onBlur={onBlur}
      />
      {bad ? (
        <p className="text-danger" id={`${id}-hint`} role="alert">
          {DURATION_HINT}
        </p>
      ) : null}
    </>
  );
}
