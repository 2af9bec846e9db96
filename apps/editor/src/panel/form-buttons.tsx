// RJSF's buttons with lucide icons and readable labels (the defaults expect Bootstrap's glyph font).
import type { IconButtonProps } from '@rjsf/utils';
import { ArrowDown, ArrowUp, Copy, type LucideIcon, Plus, X } from 'lucide-react';

function iconButton(Icon: LucideIcon, label: string, text?: string) {
  return function FormIconButton({ onClick, disabled, id, title }: IconButtonProps) {
    return (
      <button
        type="button"
        id={id}
        className={text ? 'button form-add' : 'icon-button'}
        aria-label={title ?? label}
        title={title ?? label}
        onClick={onClick}
        disabled={disabled}
      >
        <Icon size={14} aria-hidden="true" />
        {text}
      </button>
    );
  };
}

/** The button templates the config form uses. */
export const formButtons = {
  SubmitButton: () => null,
  AddButton: iconButton(Plus, 'Add', 'Add'),
  RemoveButton: iconButton(X, 'Remove'),
  MoveUpButton: iconButton(ArrowUp, 'Move up'),
  MoveDownButton: iconButton(ArrowDown, 'Move down'),
  CopyButton: iconButton(Copy, 'Copy'),
  ClearButton: iconButton(X, 'Clear'),
};
