import { posix } from 'node:path';
import { collidingLine, type LineRule } from './file-line-overlap';
import type { ResourceConfig } from './schema';

/** What a resource writes: a unit, a whole directory tree, one file, one INI key, lines of a file, or a marked block of a file. */
type Claim =
  | { what: 'unit'; id: string }
  | { what: 'tree' | 'file'; space: string; path: string }
  | { what: 'block'; space: string; path: string; markers: [string, string] }
  | { what: 'ini'; id: string }
  | { what: 'line'; space: string; path: string; rule: LineRule };

interface Owned {
  index: number;
  name: string;
  /** The configuration key the claim comes from, below the resource. */
  key: (string | number)[];
  claim: Claim;
}

/** A conflict, as a zod issue path (of the later resource) and message. */
export interface Conflict {
  path: (string | number)[];
  message: string;
}

const clean = (p: string): string => posix.normalize(`/${p}`).replace(/(.)\/+$/, '$1');
const host = (path: string): { space: string; path: string } => ({ space: 'host', path: clean(path) });
const inVolume = (volume: string, file: string): { space: string; path: string } => ({ space: `volume ${volume}`, path: clean(file) });

function claimsOf(r: ResourceConfig): { key: (string | number)[]; claim: Claim }[] {
  switch (r.kind) {
    case 'SystemdSocketPort':
      return [
        { key: ['unit'], claim: { what: 'unit', id: r.unit } },
        // Both modes write or correct the drop-ins; inplace also edits the vendor unit.
        { key: ['dropInDir'], claim: { what: 'tree', ...host(r.dropInDir) } },
        ...(r.mode === 'inplace' ? [{ key: ['unitPath'], claim: { what: 'file' as const, ...host(r.unitPath) } }] : []),
      ];
    case 'FirewalldServicePort':
      return r.files.map((file, i) => ({ key: ['files', i], claim: { what: 'file', ...host(file) } }));
    case 'FileLine': {
      const where = r.path !== undefined ? host(r.path) : inVolume(r.volume ?? '', r.file ?? '');
      return [{ key: [r.path !== undefined ? 'path' : 'file'], claim: { what: 'line', ...where, rule: { match: r.match, template: r.template } } }];
    }
    case 'IniValue':
      // GLib key files: groups and keys are case-sensitive.
      return [{ key: ['key'], claim: { what: 'ini', id: `the key ${r.key} of [${r.section}] in ${clean(r.path)}` } }];
    case 'PublishedPortFirewall':
      // One chain, one jump and one nftables table per host (whichever backend writes): two resources would rewrite each other's rules.
      return [{ key: ['kind'], claim: { what: 'unit', id: 'the iptables chain RECONCILE-PUBLISHED and its jump from DOCKER-USER (and the nftables table inet reconcile)' } }];
    case 'SelinuxPortType':
      // The port is known only at run time; two of them with different types would be seen there.
      return [{ key: ['type'], claim: { what: 'unit', id: `the SELinux type of the ${r.protocol} port of source ${r.source}` } }];
    case 'DirectoryMirror': {
      const where = 'path' in r.to ? host(r.to.path) : inVolume(r.to.volume, r.to.subPath);
      return [{ key: ['to'], claim: { what: 'tree', ...where } }];
    }
    case 'Template':
      return [{ key: [r.block ? 'block' : 'path'], claim: r.block ? { what: 'block', ...host(r.path), markers: [r.block.begin, r.block.end] } : { what: 'file', ...host(r.path) } }];
    case 'ContainerCredentials': {
      // INI sections are case-sensitive, keys are not (as in Python's configparser).
      const file = r.path !== null ? clean(r.path) : r.volume !== null ? `${clean(r.file).slice(1)} in volume ${r.volume}` : `${r.file} of container ${r.container}`;
      return (['userKey', 'passwordKey'] as const).map((k) => ({ key: [k], claim: { what: 'ini', id: `the key ${r[k].toLowerCase()} of [${r.section}] in ${file}` } }));
    }
  }
}

const within = (path: string, dir: string): boolean => path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);

/** Why two claims of different resources collide, or null when they do not. */
function collision(a: Claim, b: Claim): string | null {
  if (a.what === 'unit' || a.what === 'ini') return b.what === a.what && b.id === a.id ? a.id : null;
  if (b.what === 'unit' || b.what === 'ini') return null;
  if (a.space !== b.space) return null;
  // Inside a volume, paths are shown relative to its root: `custom_var.conf in volume v`.
  const show = (path: string): string => (a.space === 'host' ? path : `${path.slice(1) || '.'} in ${a.space}`);
  if (a.what === 'tree' && within(b.path, a.path)) return `${show(b.path)} (inside the directory ${show(a.path)})`;
  if (b.what === 'tree' && within(a.path, b.path)) return `${show(a.path)} (inside the directory ${show(b.path)})`;
  if (a.path !== b.path) return null;
  if (a.what === 'line' && b.what === 'line') {
    const line = collidingLine(a.rule, b.rule);
    return line === null ? null : `the line "${line}" of ${show(a.path)}`;
  }
  if (a.what === 'block' && b.what === 'block') {
    // Blocks with distinct markers share a file peacefully (each keeps the other's bytes).
    const shared = a.markers.find((m) => b.markers.includes(m));
    return shared === undefined ? null : `the block marked "${shared}" of ${show(a.path)}`;
  }
  // A block's lines could be anything a line rule selects: only whole-file claims collide with it.
  if ((a.what === 'block' && b.what === 'line') || (a.what === 'line' && b.what === 'block')) return null;
  return show(a.path);
}

/**
 * Pairs of enabled resources that own the same thing and would undo each other's work on every
 * pass: one socket unit or drop-in directory, one file, one INI key, lines of one file that
 * both select. The later resource is named, with the earlier one in the message. An undefined
 * entry (a resource that is itself invalid) owns nothing.
 */
export function ownershipConflicts(resources: readonly (ResourceConfig | undefined)[]): Conflict[] {
  // A switched-off PublishedPortFirewall still runs (it removes its chain): it still owns it.
  const owned: Owned[] = resources.flatMap((r, index) => (r?.enabled || r?.kind === 'PublishedPortFirewall' ? claimsOf(r).map((c) => ({ index, name: r.name, ...c })) : []));
  const conflicts: Conflict[] = [];
  const reported = new Set<string>();
  for (const [i, later] of owned.entries()) {
    for (const earlier of owned.slice(0, i)) {
      if (earlier.index === later.index) continue;
      const what = collision(earlier.claim, later.claim);
      const pair = `${earlier.index}/${later.index}`;
      if (what === null || reported.has(pair)) continue;
      reported.add(pair);
      conflicts.push({
        path: ['resources', later.index, ...later.key],
        message: `${what} is also owned by resource "${earlier.name}" (resources.${earlier.index}.${earlier.key.join('.')}); two resources on one thing undo each other on every pass`,
      });
    }
  }
  return conflicts;
}
