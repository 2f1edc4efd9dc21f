/** Exit codes (docs/design.md §4). */
export const EXIT = {
  ok: 0,
  notConverged: 1,
  drift: 2,
  usage: 64,
} as const;
