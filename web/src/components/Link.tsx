// An ordinary link that navigates inside the SPA (modifier clicks still open new tabs).
import type { ComponentChildren } from 'preact';
import { navigate } from '../router.ts';

export interface LinkProps {
  href: string;
  class?: string;
  title?: string;
  'aria-current'?: 'page';
  children: ComponentChildren;
}

export function Link({ href, children, ...rest }: LinkProps) {
  return (
    <a
      href={href}
      onClick={(e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
      {...rest}
    >
      {children}
    </a>
  );
}
