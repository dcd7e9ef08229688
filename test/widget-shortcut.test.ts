// The widget's shortcut attribute: parsing ("mod+k", "ctrl+/", "/"), matching key events, and its labels.
import { describe, expect, it } from 'vitest';
import { ariaShortcut, matchesShortcut, parseShortcut, shortcutLabel } from '../src/widget/shortcut';

/** A keydown as the matcher reads it, typed by `target` (the document body unless given). */
function key(init: Partial<KeyboardEvent> & { key: string }, target: unknown = { tagName: 'BODY' }): KeyboardEvent {
  return {
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    target,
    composedPath: () => [target],
    ...init,
  } as KeyboardEvent;
}

describe('widget shortcut', () => {
  it('reads mod as Meta on Apple platforms and Ctrl elsewhere', () => {
    expect(parseShortcut('mod+k', true)).toEqual({ key: 'k', ctrl: false, meta: true, alt: false, shift: false });
    expect(parseShortcut('Mod+K', false)).toEqual({ key: 'k', ctrl: true, meta: false, alt: false, shift: false });
    expect(parseShortcut('ctrl+/', true)).toMatchObject({ key: '/', ctrl: true });
    expect(parseShortcut('ctrl++', false)).toMatchObject({ key: '+', ctrl: true });
    expect(parseShortcut('/', false)).toEqual({ key: '/', ctrl: false, meta: false, alt: false, shift: false });
  });

  it('refuses unknown modifiers and empty values', () => {
    expect(parseShortcut('hyper+k', false)).toBeUndefined();
    expect(parseShortcut('', false)).toBeUndefined();
  });

  it('matches exactly the modifiers asked for', () => {
    const modK = parseShortcut('mod+k', false)!;
    expect(matchesShortcut(key({ key: 'k', ctrlKey: true }), modK)).toBe(true);
    expect(matchesShortcut(key({ key: 'K', ctrlKey: true }), modK)).toBe(true);
    expect(matchesShortcut(key({ key: 'k' }), modK)).toBe(false);
    expect(matchesShortcut(key({ key: 'k', ctrlKey: true, altKey: true }), modK)).toBe(false);
    // A modified shortcut works while typing in a field; a bare one does not.
    expect(matchesShortcut(key({ key: 'k', ctrlKey: true }, { tagName: 'INPUT' }), modK)).toBe(true);
    const slash = parseShortcut('/', false)!;
    expect(matchesShortcut(key({ key: '/' }), slash)).toBe(true);
    expect(matchesShortcut(key({ key: '/' }, { tagName: 'TEXTAREA' }), slash)).toBe(false);
  });

  it('labels the shortcut for people and for assistive technology', () => {
    expect(shortcutLabel(parseShortcut('mod+k', true)!, true)).toBe('⌘K');
    expect(shortcutLabel(parseShortcut('mod+k', false)!, false)).toBe('Ctrl K');
    expect(ariaShortcut(parseShortcut('mod+k', false)!)).toBe('Control+K');
    expect(ariaShortcut(parseShortcut('/', false)!)).toBe('/');
  });
});
