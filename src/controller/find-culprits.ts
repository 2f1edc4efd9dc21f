/**
 * Which suspects make a check fail, by adaptive group testing: `passes(excluded)` runs the check
 * with those suspects left out. First everything is left out (if the check still fails, the
 * suspects are not the cause: null); then suspects are put back half by half, keeping every
 * half that passes and splitting every half that fails down to the single culprits. With k
 * culprits among n suspects that is at most 1 + 2·k·⌈log2 n⌉ runs (one run when the only
 * culprit is alone, n+… never), assuming each culprit fails the check on its own.
 */
export async function findCulprits<T>(suspects: readonly T[], passes: (excluded: readonly T[]) => Promise<boolean>): Promise<T[] | null> {
  if (suspects.length === 0 || !(await passes(suspects))) return null;
  const without = (kept: readonly T[]): T[] => suspects.filter((s) => !kept.includes(s));
  // Invariant: the check passes with `good` in (and every other suspect out).
  const solve = async (good: readonly T[], candidates: readonly T[], knownToFail: boolean): Promise<{ culprits: T[]; good: T[] }> => {
    if (!knownToFail && (await passes(without([...good, ...candidates])))) return { culprits: [], good: [...good, ...candidates] };
    if (candidates.length === 1) return { culprits: [...candidates], good: [...good] };
    const half = Math.ceil(candidates.length / 2);
    const first = await solve(good, candidates.slice(0, half), false);
    // The first half was all good: the failure is in the second half.
    const second = await solve(first.good, candidates.slice(half), first.culprits.length === 0);
    return { culprits: [...first.culprits, ...second.culprits], good: second.good };
  };
  return (await solve([], suspects, true)).culprits;
}
