import type { Liquid } from 'liquidjs';
import { utf8ToByteString } from '../../core/bytes';
import type { HostPath } from '../../host/file-system';
import type { ListedContainer } from '../../host/container-listing';
import type { ContainerSet } from '../../sources/container-set';
import { withScope, type CommandStep, type Plan, type PlanOptions } from '../plan';
import { setBlock, type BlockMarkers } from './edit-block';
import { compile } from './liquid-engine';
import { renderContainers, type LeftOut } from './render-containers';
import { contextKey } from './template-context';

/** What observe() saw: the template's text, the target's bytes (a byte string), how to write it. */
export interface TemplateState {
  template: { ok: true; text: string } | { ok: false; message: string };
  target: { exists: true; text: string } | { exists: false } | { refused: string; unsafe: boolean };
  /** Write keeping the inode (declared `inPlace`, or the target is a mount point). */
  inPlace: boolean;
}

export interface TemplateSettings {
  templatePath: string;
  path: HostPath;
  mode: number;
  /** Marker lines as byte strings; absent: the whole file is rendered. */
  block?: BlockMarkers;
  after: CommandStep[];
  engine: Liquid;
}

/** Containers the check refused earlier (by context key: a container that changes is tried again), with the check's message. */
export type RefusedParts = ReadonlyMap<string, { name: string; why: string }>;

const fail = (problem: string, unsafe = false): Plan => ({ changes: [], commands: [], problem, ...(unsafe ? { problemReason: 'UnsafePath' as const } : {}) });

/**
 * Pure: render the containers (less the ones the check refused before) into the file, or into
 * its block. Invalid containers (a value a safe-output filter refuses) are left out and named;
 * a template that does not parse or fails to render is the resource's problem: nothing is
 * written. The change carries a PartedChange so that the command phase can find the
 * containers that make the check fail.
 */
export function planTemplate(set: ContainerSet, state: TemplateState, settings: TemplateSettings, refused: RefusedParts, options: PlanOptions): Plan {
  if (!state.template.ok) return fail(`template ${settings.templatePath}: ${state.template.message}`);
  if ('refused' in state.target) return fail(state.target.refused, state.target.unsafe);
  const compiled = compile(settings.engine, state.template.text);
  if (!compiled.ok) return fail(`template ${settings.templatePath}: ${compiled.message}`);
  const before = state.target.exists ? state.target.text : null;
  const candidates = set.containers.filter((c) => !refused.has(contextKey(c)));
  const known = set.containers.filter((c) => refused.has(contextKey(c)));

  const fileOf = (containers: readonly ListedContainer[]): { ok: true; text: string; invalid: readonly LeftOut[]; included: readonly ListedContainer[] } | { ok: false; problem: string } => {
    const rendered = renderContainers(settings.engine, compiled.template, containers, set.env);
    if (!rendered.ok) return { ok: false, problem: `template ${settings.templatePath}: ${rendered.message}` };
    const body = utf8ToByteString(rendered.text);
    if (!settings.block) return { ok: true, text: body, invalid: rendered.invalid, included: rendered.included };
    const edited = setBlock(before ?? '', settings.block, body);
    return edited.ok ? { ok: true, text: edited.text, invalid: rendered.invalid, included: rendered.included } : { ok: false, problem: `${settings.path}: ${edited.problem}` };
  };

  const full = fileOf(candidates);
  if (!full.ok) return fail(full.problem);
  const leftOut = describeLeftOut(full.invalid, known.map((c) => ({ name: c.name, why: refused.get(contextKey(c))?.why ?? '' })));
  const extra = leftOut ? { leftOut } : {};
  // Scoped to its file, so that an undo image recorded before a crash is put back on a failed check.
  if (full.text === before) return withScope({ changes: [], commands: options.retryCommands ? settings.after : [], ...extra }, [settings.path]);
  const change = { path: settings.path, before, after: full.text, mode: settings.mode, ...(state.inPlace ? { inPlace: true } : {}) };
  const byKey = new Map(full.included.map((c) => [contextKey(c), c]));
  const parts = {
    path: settings.path,
    suspects: [...byKey.entries()].map(([id, c]) => ({ id, name: c.name })),
    without: (excluded: readonly string[]): string | null => {
      const out = new Set(excluded);
      const rest = fileOf(full.included.filter((c) => !out.has(contextKey(c))));
      return rest.ok ? rest.text : null;
    },
  };
  return withScope({ changes: [change], commands: settings.after, ...extra, ...(settings.after.some((s) => s.check) ? { parts } : {}) }, [settings.path]);
}

/** The status message for containers left out: invalid ones (InvalidDesiredValue) and ones the check refused (CheckFailed). */
function describeLeftOut(invalid: readonly LeftOut[], refused: readonly { name: string; why: string }[]): Plan['leftOut'] {
  const parts: string[] = [];
  if (refused.length > 0) parts.push(`check failed with container${refused.length === 1 ? '' : 's'} ${refused.map((r) => r.name).join(', ')} (left out): ${refused[0]?.why ?? ''}`);
  if (invalid.length > 0) parts.push(`invalid container${invalid.length === 1 ? '' : 's'} left out: ${invalid.map((i) => `${i.name} (${i.problem})`).join('; ')}`);
  if (parts.length === 0) return undefined;
  return { reason: refused.length > 0 ? 'CheckFailed' : 'InvalidDesiredValue', message: parts.join('; ') };
}
