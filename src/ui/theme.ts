// Light, dark or the system's: the choice is kept in localStorage and applied as <html data-theme>, which app.css
// reads. "System" follows prefers-color-scheme live.
import { element } from './dom';

const THEME = 'self-retrieval-theme';
type Theme = 'system' | 'light' | 'dark';

function apply(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset['theme'];
  else document.documentElement.dataset['theme'] = theme;
}

export function mountThemeChoice(): void {
  const select = element<HTMLSelectElement>('theme');
  const saved = localStorage.getItem(THEME);
  const theme: Theme = saved === 'light' || saved === 'dark' ? saved : 'system';
  select.value = theme;
  apply(theme);
  select.addEventListener('change', () => {
    const chosen = select.value as Theme;
    localStorage.setItem(THEME, chosen);
    apply(chosen);
  });
}
