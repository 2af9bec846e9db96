// RJSF field for config values of any JSON type (conditions, bodies, lists): text with expressions, or JSON.
import type { FieldProps } from '@rjsf/utils';
import { useEffect, useState } from 'react';
import { ExpressionInput } from './expression-input';
import { oversize, refusePaste } from './field-limit';
import { completionsOf } from './form-context';

type Mode = 'text' | 'json';

function modeOf(value: unknown): Mode {
  return value === undefined || typeof value === 'string' ? 'text' : 'json';
}

export function AnyValueField(props: FieldProps) {
  const { formData, onChange, fieldPathId, schema, name, registry, disabled, readonly, required } = props;
  const id = fieldPathId.$id;
  const [mode, setMode] = useState<Mode>(modeOf(formData));
  const [draft, setDraft] = useState(() => (mode === 'json' ? JSON.stringify(formData, null, 2) : ''));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const title = typeof schema.title === 'string' ? schema.title : name;
  const errors = jsonError ? [jsonError] : [];

  useEffect(() => {
    // follow outside changes (undo, another node) while the JSON text is valid
    if (mode === 'json' && jsonError === null) setDraft(JSON.stringify(formData, null, 2) ?? '');
  }, [formData, mode, jsonError]);

  const change = (value: unknown) => onChange(value, fieldPathId.path, undefined, id);

  const switchMode = (next: Mode) => {
    if (next === mode) return;
    setJsonError(null);
    if (next === 'json') {
      setDraft(formData === undefined ? '' : JSON.stringify(formData, null, 2));
    } else {
      change(formData === undefined || typeof formData === 'string' ? formData : JSON.stringify(formData));
    }
    setMode(next);
  };

  const editJson = (text: string) => {
    const tooLarge = oversize(text);
    if (tooLarge) {
      setJsonError(tooLarge);
      return;
    }
    setDraft(text);
    if (text.trim() === '') {
      setJsonError(null);
      change(undefined);
      return;
    }
    try {
      change(JSON.parse(text));
      setJsonError(null);
    } catch {
      // keep the text as typed; it is saved once it parses
      setJsonError('Not valid JSON yet');
    }
  };

  return (
    <div className="form-group any-value-field">
      <div className="any-value-header">
        <label htmlFor={id} className="control-label">
          {title}
          {required ? <span className="required">*</span> : null}
        </label>
        <fieldset className="segmented" aria-label={`${title}: value kind`}>
          {(['text', 'json'] as const).map((m) => (
            <label key={m} className={mode === m ? 'is-active' : undefined}>
              <input
                type="radio"
                name={`${id}-mode`}
                value={m}
                checked={mode === m}
                disabled={disabled || readonly}
                onChange={() => switchMode(m)}
              />
              {m === 'text' ? 'Text' : 'JSON'}
            </label>
          ))}
        </fieldset>
      </div>
      {typeof schema.description === 'string' ? (
        <p className="field-description" id={`${id}__description`}>
          {schema.description}
        </p>
      ) : null}
      {mode === 'text' ? (
        <ExpressionInput
          id={id}
          value={typeof formData === 'string' ? formData : ''}
          completions={completionsOf(registry.formContext)}
          disabled={disabled || readonly}
          invalid={errors.length > 0}
          describedBy={`${id}__error ${id}__description`}
          onChange={(text) => change(text === '' ? undefined : text)}
          multiline
        />
      ) : (
        <textarea
          id={id}
          className="json-input"
          value={draft}
          rows={Math.min(12, Math.max(3, draft.split('\n').length))}
          disabled={disabled || readonly}
          spellCheck={false}
          aria-invalid={errors.length > 0 || undefined}
          aria-describedby={`${id}__error ${id}__description`}
          onChange={(e) => editJson(e.target.value)}
          onPaste={(e) => {
            const tooLarge = refusePaste(e);
            if (tooLarge) setJsonError(tooLarge);
          }}
        />
      )}
      {errors.length > 0 ? (
        <ul className="error-detail" id={`${id}__error`}>
          {errors.map((error) => (
            <li key={error} className="text-danger">
              {error}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
