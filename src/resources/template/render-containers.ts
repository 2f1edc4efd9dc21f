import type { Liquid, Template } from 'liquidjs';
import type { ListedContainer } from '../../host/container-listing';
import { renderOnce } from './liquid-engine';
import { containerContext } from './template-context';

/** A container left out of the file, and why. */
export interface LeftOut {
  name: string;
  problem: string;
}

export type Rendered = { ok: true; text: string; included: readonly ListedContainer[]; invalid: readonly LeftOut[] } | { ok: false; message: string };

/**
 * Render the containers (sorted by name, as the source gives them). A container the listing
 * already flagged, or one a safe-output filter refuses, is invalid: left out and named, never
 * part of the text. The common case is one render; only when a value is refused is each
 * container rendered alone to find whose it is. A template error (not a refusal) fails the
 * whole render.
 */
export function renderContainers(engine: Liquid, template: Template[], containers: readonly ListedContainer[], env: Readonly<Record<string, string>>): Rendered {
  const invalid: LeftOut[] = [];
  let candidates = containers.filter((c) => {
    if (c.problems.length === 0) return true;
    invalid.push({ name: c.name, problem: c.problems.join('; ') });
    return false;
  });
  const scope = (list: readonly ListedContainer[]): object => ({ containers: list.map(containerContext), env: { ...env } });
  let first = renderOnce(engine, template, scope(candidates));
  if ('refused' in first) {
    const good: ListedContainer[] = [];
    for (const c of candidates) {
      const alone = renderOnce(engine, template, scope([c]));
      if ('refused' in alone) invalid.push({ name: c.name, problem: alone.refused });
      else good.push(c);
    }
    candidates = good;
    first = renderOnce(engine, template, scope(candidates));
    if ('refused' in first) return { ok: false, message: `a value was refused only when containers are rendered together: ${first.refused}` };
  }
  if ('error' in first) return { ok: false, message: first.error };
  invalid.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ok: true, text: first.text, included: candidates, invalid };
}
