// The widget's styles, adopted by its shadow root as a constructed style sheet (a CSS import would be injected into the host
// page's <head>, and the widget touches nothing outside its shadow root). Hosts theme it with the --sr-* custom
// properties and ::part(); each --sr-* has a light and a dark default (prefers-color-scheme).

export const WIDGET_CSS = `
:host {
  --_accent: var(--sr-accent, #1d4ed8);
  --_accent-text: var(--sr-accent-text, #ffffff);
  --_background: var(--sr-background, #ffffff);
  --_foreground: var(--sr-foreground, #111827);
  --_muted: var(--sr-muted, #4b5563);
  --_border: var(--sr-border, #d1d5db);
  --_hover: var(--sr-hover, #eef2ff);
  --_mark: var(--sr-mark, #fde68a);
  --_mark-text: var(--sr-mark-text, #111827);
  --_radius: var(--sr-radius, 8px);
  --_font: var(--sr-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
  --_error: var(--sr-error, #b91c1c);
  display: inline-block;
  font-family: var(--_font);
}
@media (prefers-color-scheme: dark) {
  :host {
    --_accent: var(--sr-accent, #93c5fd);
    --_accent-text: var(--sr-accent-text, #0b1220);
    --_background: var(--sr-background, #1f2329);
    --_foreground: var(--sr-foreground, #f3f4f6);
    --_muted: var(--sr-muted, #c0c6cf);
    --_border: var(--sr-border, #4b5563);
    --_hover: var(--sr-hover, #2d3440);
    --_mark: var(--sr-mark, #854d0e);
    --_mark-text: var(--sr-mark-text, #ffffff);
    --_error: var(--sr-error, #fca5a5);
  }
}
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: border-box; }
:focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
button { font: inherit; color: inherit; cursor: pointer; }
svg { flex: none; }
[part~='trigger'] {
  display: inline-flex; align-items: center; gap: 0.5em; min-height: 2.25rem; padding: 0.35em 0.6em;
  background: var(--_background); color: var(--_muted); border: 1px solid var(--_border);
  border-radius: var(--_radius);
}
[part~='trigger']:hover { color: var(--_foreground); border-color: var(--_accent); }
[part~='trigger-label'] { color: var(--_foreground); }
[part~='shortcut'] {
  font: inherit; font-size: 0.8em; padding: 0.1em 0.4em; border: 1px solid var(--_border);
  border-radius: calc(var(--_radius) / 2); color: var(--_muted);
}
[part~='dialog'] {
  width: min(42rem, calc(100vw - 2rem)); max-height: min(40rem, calc(100dvh - 4rem)); margin: 8vh auto auto;
  padding: 0; overflow: auto;
  background: var(--_background); color: var(--_foreground); font-family: var(--_font);
  border: 1px solid var(--_border); border-radius: var(--_radius); box-shadow: 0 1rem 3rem rgb(0 0 0 / 0.3);
}
[part~='dialog']::backdrop { background: rgb(0 0 0 / 0.45); }
.search-row {
  display: flex; align-items: center; gap: 0.5rem; padding: 0.6rem 0.75rem; border-bottom: 1px solid var(--_border);
  position: sticky; top: 0; z-index: 1; background: var(--_background);
}
.search-row > svg { color: var(--_muted); }
[part~='input'] {
  flex: 1; min-width: 0; font: inherit; font-size: 1.05rem; padding: 0.4rem 0.25rem; border: 0;
  background: transparent; color: var(--_foreground);
}
[part~='input']:focus-visible { outline-offset: 0; }
[part~='input']::placeholder { color: var(--_muted); opacity: 1; }
[part~='close'], [part~='back'] {
  display: inline-flex; align-items: center; gap: 0.3em; padding: 0.3rem 0.5rem; background: transparent;
  border: 1px solid var(--_border); border-radius: calc(var(--_radius) / 2); color: var(--_muted); font-size: 0.85rem;
}
[part~='close']:hover, [part~='back']:hover { color: var(--_foreground); }
[part~='status'] { margin: 0; padding: 0.5rem 0.9rem; font-size: 0.85rem; color: var(--_muted); }
[part~='status'][data-error] { color: var(--_error); }
[part~='model-status'] {
  margin: 0; padding: 0.4rem 0.9rem; font-size: 0.8rem; color: var(--_muted); border-top: 1px solid var(--_border);
  position: sticky; bottom: 0; background: var(--_background);
}
[part~='model-status']:empty { display: none; }
/* The dialog itself scrolls (its search row and model line stay put): a scroll container holding the input is
   reachable by keyboard, which a results-only one (options are never focused) would not be. */
[part~='listbox'] { list-style: none; margin: 0; padding: 0 0.5rem 0.5rem; }
[part~='listbox']:empty { display: none; }
[part~='option'] {
  display: grid; gap: 0.15rem; padding: 0.55rem 0.6rem; border-radius: calc(var(--_radius) - 2px);
  cursor: pointer; border: 2px solid transparent;
}
[part~='option']:hover { background: var(--_hover); }
[part~='option'][aria-selected='true'] { background: var(--_hover); border-color: var(--_accent); }
[part~='option-title'] { font-weight: 600; }
[part~='option-path'] { font-size: 0.8rem; color: var(--_muted); overflow-wrap: anywhere; }
[part~='option-text'] {
  font-size: 0.9rem; line-height: 1.4; overflow: hidden;
  display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical;
}
mark { background: var(--_mark); color: var(--_mark-text); border-radius: 2px; padding: 0 1px; }
[part~='document'] { padding: 0.75rem 0.9rem 1rem; }
[part~='document'][hidden] { display: none; }
[part~='document-title'] { margin: 0.75rem 0 0.2rem; font-size: 1.1rem; }
[part~='document-path'] { margin: 0 0 0.75rem; font-size: 0.8rem; color: var(--_muted); overflow-wrap: anywhere; }
[part~='document-text'] {
  position: relative; /* the passage mark's offsetTop is measured from here */
  white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.5; font-size: 0.95rem; max-height: 55vh;
  overflow: auto; padding: 0.5rem; border: 1px solid var(--_border); border-radius: calc(var(--_radius) / 2);
}
[part~='passage-mark'] { text-decoration: underline 2px var(--_accent); text-underline-offset: 3px; }
@media (max-width: 600px) {
  [part~='dialog'] {
    width: 100vw; max-width: 100vw; height: 100dvh; max-height: 100dvh; margin: 0; border-radius: 0; border: 0;
  }
  [part~='document-text'] { max-height: none; }
}
@media (prefers-reduced-motion: no-preference) {
  [part~='option'] { transition: background-color 80ms ease-out; }
}
`;
