// A square button holding only an icon: its accessible name is `label`, its tooltip `title` (default: label).
import type { ReactNode } from 'react';

interface IconButtonProps {
  label: string;
  title?: string;
  onClick: () => void;
  disabled?: boolean;
  children: ReactNode;
}

/** An icon-only button with an accessible name. */
export function IconButton({ label, title, onClick, disabled, children }: IconButtonProps) {
  return (
    <button
      type="button"
      className="icon-button"
      onClick={onClick}
      disabled={disabled}
      aria-label={label}
      title={title ?? label}
    >
      {children}
    </button>
  );
}
