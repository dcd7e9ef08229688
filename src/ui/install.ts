// "Install app": Chromium fires `beforeinstallprompt` when the page is installable (a manifest, icons, a service
// worker) and not installed yet; the header's button then opens the browser's own install prompt. Nothing shows
// where the browser offers no prompt (Firefox, Safari: their menus install) or once the app is installed.
import { element } from './dom';

/** What Chromium's BeforeInstallPromptEvent carries (TypeScript's lib has no type for it). */
interface InstallPromptEvent extends Event {
  prompt(): Promise<void>;
  readonly userChoice: Promise<{ readonly outcome: 'accepted' | 'dismissed' }>;
}

export function mountInstallButton(): void {
  const button = element<HTMLButtonElement>('install');
  let deferred: InstallPromptEvent | null = null;
  addEventListener('beforeinstallprompt', (event) => {
    // Keep the browser's mini-infobar away: the header's button is where installing is offered.
    event.preventDefault();
    deferred = event as InstallPromptEvent;
    button.hidden = false;
  });
  addEventListener('appinstalled', () => {
    deferred = null;
    button.hidden = true;
  });
  button.addEventListener('click', () => {
    const prompt = deferred;
    if (!prompt) return;
    deferred = null;
    button.hidden = true;
    void prompt.prompt().then(() => prompt.userChoice);
  });
}
