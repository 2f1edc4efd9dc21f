import { dirname } from 'node:path';

/**
 * The tests' own oracle for the file trigger: every existing directory from / down to each path
 * (the path too when it is a directory), whatever `isDirectory` says exists (real files or a fake).
 */
export function expectedWatchDirectories(paths: readonly string[], isDirectory: (path: string) => boolean): string[] {
  const out = new Set<string>();
  for (const path of paths) {
    const chain: string[] = [];
    for (let p = path; ; p = dirname(p)) {
      chain.unshift(p);
      if (p === dirname(p)) break;
    }
    for (const dir of chain) {
      if (!isDirectory(dir)) break;
      out.add(dir);
    }
  }
  return [...out].sort();
}
