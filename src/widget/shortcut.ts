// The widget's keyboard shortcut: parsed from the `shortcut` attribute ("mod+k", "ctrl+/", "/"), matched against
// key events and shown on the trigger. `mod` is ⌘ on Apple platforms and Ctrl elsewhere, as people expect.

export interface Shortcut {
  readonly key: string;
  readonly ctrl: boolean;
  readonly meta: boolean;
  readonly alt: boolean;
  readonly shift: boolean;
}

export const DEFAULT_SHORTCUT = 'mod+k';

export function isApplePlatform(): boolean {
  return /Mac|iPhone|iPad|iPod/.test(navigator.platform);
}

/** The shortcut an attribute names, or undefined when it names none (an empty or malformed value). */
export function parseShortcut(spec: string, apple = isApplePlatform()): Shortcut | undefined {
  // The key itself may be "+" ("ctrl++"): split on "+" that follow a modifier name only.
  const parts = spec
    .trim()
    .toLowerCase()
    .split(/\+(?=.)/);
  const key = parts.pop();
  if (!key) return undefined;
  const shortcut = { key, ctrl: false, meta: false, alt: false, shift: false };
  for (const modifier of parts) {
    if (modifier === 'mod') shortcut[apple ? 'meta' : 'ctrl'] = true;
    else if (modifier === 'ctrl' || modifier === 'control') shortcut.ctrl = true;
    else if (modifier === 'meta' || modifier === 'cmd') shortcut.meta = true;
    else if (modifier === 'alt' || modifier === 'option') shortcut.alt = true;
    else if (modifier === 'shift') shortcut.shift = true;
    else return undefined;
  }
  return shortcut;
}

/** Whether a target takes typed text: a bare-key shortcut ("/") must not fire while someone types there. */
function isTextEntry(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  if (!element || typeof element.tagName !== 'string') return false;
  return element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName);
}

export function matchesShortcut(event: KeyboardEvent, shortcut: Shortcut): boolean {
  if (event.key.toLowerCase() !== shortcut.key) return false;
  if (event.ctrlKey !== shortcut.ctrl || event.metaKey !== shortcut.meta || event.altKey !== shortcut.alt) {
    return false;
  }
  // Shift is only checked when asked for: "?" or "/" need it on some layouts and not on others.
  if (shortcut.shift && !event.shiftKey) return false;
  const bare = !shortcut.ctrl && !shortcut.meta && !shortcut.alt;
  return !(bare && isTextEntry(event.composedPath()[0] ?? event.target));
}

/** How the trigger shows the shortcut: "⌘K" on Apple platforms, "Ctrl K" elsewhere. */
export function shortcutLabel(shortcut: Shortcut, apple = isApplePlatform()): string {
  const key = shortcut.key.length === 1 ? shortcut.key.toUpperCase() : shortcut.key;
  if (apple) {
    return `${shortcut.ctrl ? '⌃' : ''}${shortcut.alt ? '⌥' : ''}${shortcut.shift ? '⇧' : ''}${shortcut.meta ? '⌘' : ''}${key}`;
  }
  const names = [shortcut.ctrl && 'Ctrl', shortcut.alt && 'Alt', shortcut.shift && 'Shift', shortcut.meta && 'Meta'];
  return [...names.filter((n): n is string => typeof n === 'string'), key].join(' ');
}

/** The shortcut in aria-keyshortcuts syntax ("Control+K"). */
export function ariaShortcut(shortcut: Shortcut): string {
  const names = [shortcut.ctrl && 'Control', shortcut.alt && 'Alt', shortcut.shift && 'Shift', shortcut.meta && 'Meta'];
  const key = shortcut.key.length === 1 ? shortcut.key.toUpperCase() : shortcut.key;
  return [...names.filter((n): n is string => typeof n === 'string'), key].join('+');
}
