// The page's three views — Search, Library, Model — as hash routes (#search, #library, #model): one is shown at a
// time, the header's links say which (aria-current), and the browser's back button moves between them. The search
// box sits in the header, above every view; "/" focuses it from anywhere but a text field.

export type View = 'search' | 'library' | 'model';
/** Each view's name, as the header's links say it. */
export const VIEW_NAMES: Readonly<Record<View, string>> = { search: 'Search', library: 'Library', model: 'Model' };
const VIEWS = Object.keys(VIEW_NAMES) as View[];

/** The view a hash names; null for another fragment (the skip link's #query), which leaves the view as it is. */
const viewOf = (hash: string): View | null => (hash === '' ? 'search' : (VIEWS.find((v) => `#${v}` === hash) ?? null));

function show(view: View): void {
  for (const section of document.querySelectorAll<HTMLElement>('main > [data-view]')) {
    section.hidden = section.dataset['view'] !== view;
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-view-link]')) {
    if (link.dataset['viewLink'] === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.body.dataset['currentView'] = view;
}

/** Shows the view the URL names (the search view by default) and follows the hash from then on. Returns "go to this
 * view" for the page's own moves (a search from the library view shows its results). */
export function mountRouter(): (view: View) => void {
  show(viewOf(location.hash) ?? 'search');
  addEventListener('hashchange', () => {
    const view = viewOf(location.hash);
    if (view === null || document.body.dataset['currentView'] === view) return;
    show(view);
    // Another view is another page: it starts at its top (its lead — the drop zone, the model — in sight).
    scrollTo(0, 0);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target as HTMLElement;
    if (target.closest('input, textarea, select, [contenteditable="true"]')) return;
    event.preventDefault();
    document.getElementById('query')?.focus();
  });
  return (view) => {
    if (document.body.dataset['currentView'] === view) return;
    // A new history entry, so "back" returns to the view the user came from.
    location.hash = view;
  };
}
