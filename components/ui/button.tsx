import type { AnchorHTMLAttributes, ButtonHTMLAttributes } from 'react';

/** How a button reads: the one main action, an ordinary one, a quiet one, or one that removes. */
export type ButtonTone = 'primary' | 'secondary' | 'ghost' | 'danger';

const TONES: Record<ButtonTone, string> = {
  primary: 'bg-accent text-accent-ink border-accent hover:brightness-110',
  secondary: 'bg-surface text-ink border-line-strong hover:bg-raised',
  ghost: 'bg-transparent text-ink border-transparent hover:bg-raised',
  danger: 'bg-surface text-deny border-line-strong hover:bg-deny-soft',
};

/** The classes of a button of `tone`; links that act as buttons use them too. */
function buttonClass(tone: ButtonTone = 'secondary', size: 'sm' | 'md' = 'md'): string {
  const box = size === 'sm' ? 'h-7 px-2 text-xs' : 'h-8 px-3 text-sm';
  return `inline-flex items-center justify-center gap-1.5 rounded-md border font-medium no-underline hover:no-underline disabled:cursor-not-allowed disabled:opacity-50 ${box} ${TONES[tone]}`;
}

/** A button; `type` is `button` unless said otherwise, so it never submits a form by accident. */
export function Button({
  tone = 'secondary',
  size = 'md',
  className = '',
  type = 'button',
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { tone?: ButtonTone; size?: 'sm' | 'md' }) {
  return <button type={type} className={`${buttonClass(tone, size)} ${className}`} {...props} />;
}

/** A link drawn as a button (navigation, downloads). */
export function ButtonLink({
  tone = 'secondary',
  size = 'md',
  className = '',
  ...props
}: AnchorHTMLAttributes<HTMLAnchorElement> & { tone?: ButtonTone; size?: 'sm' | 'md' }) {
  return <a className={`${buttonClass(tone, size)} ${className}`} {...props} />;
}
