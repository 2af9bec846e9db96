// An anchor that navigates client-side (and still opens in a new tab with a modifier key).
import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { navigate } from './route';

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    void navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}
