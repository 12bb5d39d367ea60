/** The theme choices; `system` follows the operating system's. */
export type Theme = 'system' | 'light' | 'dark';

/** The cookie that keeps the choice, so the server renders the page in it (no flash of the other theme). */
export const THEME_COOKIE = 'palisade-theme';
