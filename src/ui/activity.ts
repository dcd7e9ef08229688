// Long work in progress — an ingest, an internalization, a model download — and storage running low or the network
// gone, shown in the header so it is visible from every view, each with a link to the view that controls it. The
// panels report here; this module only draws the list.
import { h } from './dom';
import { VIEW_NAMES, type View } from './router';

export type ActivityKind = 'ingest' | 'training' | 'download' | 'storage' | 'offline';

export interface Activity {
  readonly text: string;
  /** The view that shows it in full (and can pause or cancel it). */
  readonly view: View;
  /** Done of total, when known: drawn as a bar. */
  readonly progress?: { readonly value: number; readonly max: number };
  readonly state?: 'busy' | 'warning';
}

const current = new Map<ActivityKind, Activity>();

function draw(): void {
  const list = document.getElementById('activity');
  if (!list) return;
  list.hidden = current.size === 0;
  list.replaceChildren(
    ...[...current].map(([kind, a]) => {
      const bar = a.progress ? h('progress', { max: Math.max(a.progress.max, 1), value: a.progress.value }) : null;
      bar?.setAttribute('aria-hidden', 'true');
      return h(
        'li',
        { dataset: { kind, state: a.state ?? 'busy' } },
        bar,
        h('span', {}, a.text),
        ' ',
        h('a', { href: `#${a.view}` }, VIEW_NAMES[a.view]),
      );
    }),
  );
}

/** Shows (or, with null, clears) the header's line for one kind of work. */
export function reportActivity(kind: ActivityKind, activity: Activity | null): void {
  const before = current.get(kind);
  if (activity === null) {
    if (!before) return;
    current.delete(kind);
  } else {
    if (before && before.text === activity.text && before.progress?.value === activity.progress?.value) return;
    current.set(kind, activity);
  }
  draw();
}
