import { dirname, sep } from 'node:path';

/**
 * Which directories to watch for a set of paths of interest (files or directories), and which
 * events matter. Directories are watched, never file inodes: package upgrades and editors replace
 * files by rename. A path whose directory does not exist yet is watched through its nearest
 * existing parent, so its creation is seen.
 */
export interface WatchPlan {
  directories: string[];
  /** Whether a change at `path` can affect any path of interest. */
  matters(path: string): boolean;
}

/** `isDirectory(p)` is true/false for an existing path, null when it does not exist. */
export function planWatch(paths: readonly string[], isDirectory: (path: string) => boolean | null): WatchPlan {
  const directories = new Set<string>();
  const interestingDirs = new Set<string>();
  const interestingFiles = new Set<string>();
  for (const path of paths) {
    const kind = isDirectory(path);
    if (kind === true) {
      directories.add(path);
      interestingDirs.add(path);
      continue;
    }
    interestingFiles.add(path);
    let parent = dirname(path);
    while (isDirectory(parent) !== true && parent !== dirname(parent)) parent = dirname(parent);
    directories.add(parent);
  }
  const matters = (changed: string): boolean => {
    if (interestingFiles.has(changed) || interestingDirs.has(changed)) return true;
    if (interestingDirs.has(dirname(changed))) return true;
    // A parent of a path of interest appeared or vanished (e.g. the drop-in directory).
    for (const file of [...interestingFiles, ...interestingDirs]) if (file.startsWith(changed + sep)) return true;
    return false;
  };
  return { directories: [...directories].sort(), matters };
}
