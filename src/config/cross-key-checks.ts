import { didYouMean } from '../core/closest';
import { ownValue } from '../core/own';
import { ownershipConflicts, type Conflict } from './ownership';
import type { ResourceConfig, SourceConfig, Timing } from './schema';

/** The longest resync interval: a level-triggered safety net that runs less than daily is none. */
const MAX_RESYNC_MS = 24 * 3_600_000;

/** Resource kinds whose source must give a port (`type: port`). */
const PORT_KINDS: readonly string[] = ['SystemdSocketPort', 'FirewalldServicePort', 'SelinuxPortType'];

/** Which source kind each resource kind reads (DirectoryMirror reads none). */
const SOURCE_KIND_OF: Record<string, string> = {
  SystemdSocketPort: 'ContainerIniValue',
  FirewalldServicePort: 'ContainerIniValue',
  FileLine: 'ContainerIniValue',
  IniValue: 'ContainerIniValue',
  SelinuxPortType: 'ContainerIniValue',
  ContainerCredentials: 'ContainerFile',
};

/** What a resource names: itself, its kind and its source (none for DirectoryMirror). */
export interface Reference {
  name: string;
  kind: string;
  source?: string | undefined;
}

/**
 * The parts of a configuration that are valid on their own. A part that is not is undefined (a
 * source or resource that is not: its entry), and the rules that need it are skipped, so that
 * one broken key does not hide the problems of the others. `references`: what each resource
 * names, read even from a resource that is otherwise invalid (default: from `resources`).
 */
export interface CheckedParts {
  timing?: Timing | undefined;
  sources?: Record<string, SourceConfig | undefined> | undefined;
  resources?: readonly (ResourceConfig | undefined)[] | undefined;
  references?: readonly (Reference | undefined)[] | undefined;
}

function referenceIssues(references: readonly (Reference | undefined)[], sources: CheckedParts['sources']): Conflict[] {
  const issues: Conflict[] = [];
  const seen = new Set<string>();
  references.forEach((r, i) => {
    if (r === undefined) return;
    if (seen.has(r.name)) issues.push({ path: ['resources', i, 'name'], message: `duplicate resource name "${r.name}"` });
    seen.add(r.name);
    if (r.source === undefined || sources === undefined) return;
    const path = ['resources', i, 'source'];
    const source = ownValue(sources, r.source);
    const wants = ownValue(SOURCE_KIND_OF, r.kind);
    if (!Object.hasOwn(sources, r.source)) {
      issues.push({ path, message: `names no source under "sources" ("${r.source}")${didYouMean(r.source, Object.keys(sources))}` });
    } else if (source === undefined || wants === undefined) {
      return; // the source, or the kind, is itself invalid and reported as such
    } else if (source.kind !== wants) {
      issues.push({ path, message: `a ${r.kind} needs a ${wants} source, "${r.source}" is a ${source.kind}` });
    } else if (PORT_KINDS.includes(r.kind) && source.kind === 'ContainerIniValue' && source.type !== 'port') {
      issues.push({ path, message: `a ${r.kind} needs a port, "${r.source}" is of type ${source.type}` });
    }
  });
  return issues;
}

function timingIssues(timing: Timing): Conflict[] {
  const issues: Conflict[] = [];
  const at = (key: string, message: string): number => issues.push({ path: ['timing', key], message });
  if (timing.maxDebounce < timing.debounce) at('maxDebounce', 'must not be shorter than timing.debounce');
  if (timing.backoffMax < timing.backoffInitial) at('backoffMax', 'must not be shorter than timing.backoffInitial');
  if (timing.passTimeout < 1000) at('passTimeout', 'must be at least 1s');
  if (timing.resyncInterval < 1000) at('resyncInterval', 'must be at least 1s');
  if (timing.resyncInterval > MAX_RESYNC_MS) at('resyncInterval', 'must be at most 24h');
  return issues;
}

/** The rules across keys (sources named by resources, ownership, timing bounds), on what is valid. */
export function crossKeyIssues(parts: CheckedParts): Conflict[] {
  const issues: Conflict[] = [];
  for (const [key, source] of Object.entries(parts.sources ?? {})) {
    if (source?.kind === 'ContainerIniValue' && source.volume === null && source.path === null) {
      issues.push({ path: ['sources', key], message: 'needs "volume" or "path" to find the file' });
    }
  }
  const references = parts.references ?? parts.resources?.map((r) => r && { name: r.name, kind: r.kind, source: 'source' in r ? r.source : undefined });
  if (references) issues.push(...referenceIssues(references, parts.sources));
  if (parts.resources) issues.push(...ownershipConflicts(parts.resources));
  if (parts.timing) issues.push(...timingIssues(parts.timing));
  return issues;
}
