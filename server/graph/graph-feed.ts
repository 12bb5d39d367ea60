import { applyDelta, diffViews, type GraphDelta } from './graph-delta.ts';
import type { GraphView } from './graph-view.ts';

/** How a poll is answered: the whole view, or what changed since the version the client holds. */
export type FeedAnswer =
  | { readonly version: number; readonly full: GraphView }
  | { readonly version: number; readonly since: number; readonly delta: GraphDelta };

/** Versions kept per view, for clients a few polls behind. */
const KEPT = 8;
/** Views kept at once (each a query of the graph page); the least recently asked goes first. */
const VIEWS = 64;

/**
 * Versioned views for live updates by delta: each view (a query) keeps its last few versions, a
 * new version only when the view changed. A client sends the version it holds and gets what
 * changed since (`{}` when nothing did), or the whole view when its version is unknown (first
 * poll, another view, or too old).
 */
export class GraphFeed {
  private readonly views = new Map<string, { version: number; view: GraphView }[]>();
  private next = 1;

  answer(key: string, current: GraphView, since?: number): FeedAnswer {
    let history = this.views.get(key);
    this.views.delete(key);
    if (!history) history = [];
    this.views.set(key, history);
    if (this.views.size > VIEWS) this.views.delete(this.views.keys().next().value as string);
    const latest = history.at(-1);
    const changed =
      !latest || (latest.view !== current && Object.keys(diffViews(latest.view, current)).length > 0);
    if (changed) {
      history.push({ version: this.next++, view: current });
      if (history.length > KEPT) history.shift();
    }
    const now = history.at(-1) as { version: number; view: GraphView };
    const held = since === undefined ? undefined : history.find((entry) => entry.version === since);
    if (!held) return { version: now.version, full: now.view };
    return { version: now.version, since: held.version, delta: diffViews(held.view, now.view) };
  }
}

/** The view a client holds after an answer, given the one it held (the client's side of the feed). */
export function viewAfter(
  held: { version: number; view: GraphView } | undefined,
  answer: FeedAnswer,
): GraphView {
  if ('full' in answer) return answer.full;
  if (!held || held.version !== answer.since)
    throw new Error(`a delta from version ${answer.since} needs that version`);
  return applyDelta(held.view, answer.delta);
}
