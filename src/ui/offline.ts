// Offline use: registers the service worker (workers/sw.ts) with workbox-window and shows its state in the header's
// #offline-status: saving the app, ready to work offline, or a new version waiting for a reload; and says when the
// network is gone. Imported for its effect by main.ts. A module of the page bundle, never an inline script, so
// `script-src 'self'` is enough.
import { Workbox } from 'workbox-window';
import { reportActivity } from './activity';
import { element, errorText } from './dom';

type OfflineState = 'off' | 'unsupported' | 'installing' | 'ready' | 'update' | 'error';

const statusEl = element<HTMLParagraphElement>('offline-status');

function show(state: OfflineState, text: string, action?: { label: string; run: () => void }): void {
  statusEl.dataset['state'] = state;
  statusEl.hidden = state === 'off';
  statusEl.textContent = text;
  if (action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = action.label;
    button.dataset['testid'] = 'offline-reload';
    button.addEventListener('click', action.run, { once: true });
    statusEl.append(' ', button);
  }
}

async function register(): Promise<void> {
  const wb = new Workbox(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL });
  const ready = () => {
    show('ready', 'Ready to work offline');
    statusEl.title = 'The app, its runtime and the demo model are kept in this browser.';
  };

  wb.addEventListener('installing', (event) => {
    if (!event.isUpdate) show('installing', 'Saving the app for offline use…');
  });
  // The first version claims the page as it activates (workers/sw.ts): its install has precached everything.
  wb.addEventListener('controlling', (event) => {
    if (!event.isUpdate) ready();
  });
  wb.addEventListener('redundant', (event) => {
    // An install that failed (the network dropped mid-way): the next visit tries again.
    if (!event.isUpdate && !navigator.serviceWorker.controller)
      show('error', 'The app could not be saved for offline use; it will try again on the next visit.');
  });
  // A new version is installed and waits: it takes over only when asked, so this page never mixes two versions.
  wb.addEventListener('waiting', () => {
    show('update', 'A new version of the app is ready.', {
      label: 'Reload',
      run: () => {
        wb.addEventListener('controlling', () => location.reload());
        wb.messageSkipWaiting();
      },
    });
  });

  const registration = await wb.register();
  // Already controlled (any visit after the first): the precache was complete when this worker activated.
  if (navigator.serviceWorker.controller && !registration?.waiting) ready();
  // Active but not in control (a hard reload bypasses the worker): everything is kept, the next load uses it.
  else if (registration?.active && !registration.installing && !registration.waiting) ready();
}

/** No network: search, the library and internalizing go on; only model downloads wait (said in the header). */
function showNetwork(): void {
  reportActivity(
    'offline',
    navigator.onLine
      ? null
      : {
          text: 'Offline: search and your library work here; model downloads need a connection.',
          view: 'model',
          state: 'warning',
        },
  );
}
addEventListener('online', showNetwork);
addEventListener('offline', showNetwork);
showNetwork();

if (import.meta.env.DEV) {
  // No service worker in `vite dev` (vite.config.ts): it would serve stale modules.
  show('off', '');
} else if (!('serviceWorker' in navigator)) {
  show('unsupported', 'This browser cannot keep the app for offline use.');
} else {
  register().catch((error: unknown) => show('error', `Offline use is unavailable: ${errorText(error)}`));
}
