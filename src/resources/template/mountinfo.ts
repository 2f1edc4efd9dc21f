/**
 * Mount points in /proc/self/mountinfo (field 5, with the kernel's octal escapes of space, tab,
 * newline and backslash undone). Where the agent runs in a container, a file bind-mounted into
 * it is a mount point here; a rename onto it fails (EBUSY) or would leave the other side on the
 * old inode, so it is written in place.
 */
export function mountPoints(mountinfo: string): Set<string> {
  const points = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field) points.add(field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
  }
  return points;
}
