// A text field that highlights `{{ }}` expressions and completes `$json`, `$event`, `$steps` and `$run` paths.
import { Braces } from 'lucide-react';
import { type KeyboardEvent, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { type Completion, filterCompletions } from './completions';
import { applyCompletion, completionContext, hasExpression, tokenize } from './expression-tokens';
import { oversize, refusePaste } from './field-limit';

interface ExpressionInputProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  completions: readonly Completion[];
  placeholder?: string;
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string;
  multiline?: boolean;
  label?: string;
}

export function ExpressionInput({
  id,
  value,
  onChange,
  onBlur,
  completions,
  placeholder,
  disabled,
  invalid,
  describedBy,
  multiline,
  label,
}: ExpressionInputProps) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const pendingCaret = useRef<number | null>(null);
  const [context, setContext] = useState<{ prefix: string; start: number } | null>(null);
  const [active, setActive] = useState(0);
  const [refused, setRefused] = useState<string | null>(null);
  const options = useMemo(
    () => (context ? filterCompletions(completions, context.prefix) : []),
    [completions, context],
  );
  const open = context !== null && options.length > 0;
  const listId = `${id}-completions`;
  const tokens = useMemo(() => tokenize(value), [value]);
  const expression = hasExpression(value);

  useLayoutEffect(() => {
    const area = ref.current;
    if (!area) return;
    area.style.height = 'auto';
    area.style.height = `${area.scrollHeight}px`;
    if (pendingCaret.current !== null) {
      area.setSelectionRange(pendingCaret.current, pendingCaret.current);
      pendingCaret.current = null;
    }
  });

  const refresh = (text: string, caret: number | null) => {
    const next = caret === null ? null : completionContext(text, caret);
    setContext(next);
    setActive(0);
  };

  const accept = (completion: Completion) => {
    const area = ref.current;
    if (!area || !context) return;
    const caret = area.selectionStart;
    const result = applyCompletion(value, context.start, caret, completion.path);
    pendingCaret.current = result.caret;
    onChange(result.text);
    refresh(result.text, result.caret);
  };

  const insertExpression = () => {
    const area = ref.current;
    const caret = area ? area.selectionStart : value.length;
    const text = `${value.slice(0, caret)}{{  }}${value.slice(caret)}`;
    pendingCaret.current = caret + 3;
    onChange(text);
    area?.focus();
    setContext({ prefix: '', start: caret + 3 });
    setActive(0);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (open) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setActive((i) => (i + step + options.length) % options.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        const choice = options[active];
        if (choice) {
          event.preventDefault();
          accept(choice);
        }
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        setContext(null);
        return;
      }
    }
    if (event.key === ' ' && event.ctrlKey) {
      event.preventDefault();
      const caret = event.currentTarget.selectionStart;
      setContext(completionContext(value, caret) ?? { prefix: '$', start: caret });
      return;
    }
    if (event.key === 'Enter' && !multiline && !event.shiftKey) event.preventDefault();
  };

  return (
    <div className={`expression-input${expression ? ' is-expression' : ''}${invalid ? ' is-invalid' : ''}`}>
      <div className="expression-editor">
        <pre className="expression-highlight" aria-hidden="true">
          {tokens.map((token, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the token list is rebuilt from the text on every change
            <span key={index} className={`tok-${token.kind}`}>
              {token.text}
            </span>
          ))}
          {'\u200b'}
        </pre>
        <textarea
          ref={ref}
          id={id}
          rows={1}
          value={value}
          placeholder={placeholder}
          disabled={disabled}
          spellCheck={false}
          autoComplete="off"
          aria-label={label}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={listId}
          aria-activedescendant={open ? `${listId}-${active}` : undefined}
          onChange={(e) => {
            const tooLarge = oversize(e.target.value);
            setRefused(tooLarge);
            if (tooLarge) return;
            onChange(e.target.value);
            refresh(e.target.value, e.target.selectionStart);
          }}
          onPaste={(e) => setRefused(refusePaste(e))}
          onKeyDown={onKeyDown}
          onKeyUp={(e) => {
            if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') {
              refresh(value, e.currentTarget.selectionStart);
            }
          }}
          onClick={(e) => refresh(value, e.currentTarget.selectionStart)}
          onBlur={() => {
            setContext(null);
            onBlur?.();
          }}
        />
      </div>
      {!disabled ? (
        <button
          type="button"
          className="icon-button expression-toggle"
          title="Insert an expression {{ }} (Ctrl+Space completes)"
          aria-label="Insert an expression"
          onMouseDown={(e) => e.preventDefault()}
          onClick={insertExpression}
        >
          <Braces size={14} />
        </button>
      ) : null}
      {open ? (
        <div className="completions" id={listId} role="listbox" aria-label="Completions">
          {options.map((option, index) => (
            <div
              key={option.path}
              id={`${listId}-${index}`}
              role="option"
              tabIndex={-1}
              aria-selected={index === active}
              className={index === active ? 'is-active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(option);
              }}
            >
              <code>{option.path}</code>
              <span className="muted">{option.detail}</span>
            </div>
          ))}
        </div>
      ) : null}
      {refused ? (
        <p className="text-danger field-refused" role="alert">
          {refused}
        </p>
      ) : null}
    </div>
  );
}
