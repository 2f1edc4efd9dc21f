/** What decides whether two FileLines on one file fight: each one's match and template. */
export interface LineRule {
  match: string;
  template: string;
}

/** Literal words of a regular expression's source (`^\s*set\s+\$port\s` → `set`, `$port`). */
function wordsOf(source: string): string[] {
  const text = source.replace(/\\[sSdDwWbB]/g, ' ').replace(/\\(.)/g, '$1');
  return text.split(/[^A-Za-z0-9_$./:@-]+/).filter((w) => w.length > 0);
}

/**
 * The values tried for `{value}`: every port number (the values the Websoft9 profile's sources
 * give), the empty string, and the literal words of both rules, alone and joined.
 */
function probeValues(a: LineRule, b: LineRule): string[] {
  // Templates are rendered as the FileLine resource does: template.split('{value}').join(value).
  const words = [...new Set([...wordsOf(a.match), ...wordsOf(b.match), ...wordsOf(a.template), ...wordsOf(b.template)])];
  const values = ['', ' ', ...words, words.join(' '), ...words.map((w) => ` ${w} `)];
  for (let port = 0; port <= 65535; port++) values.push(String(port));
  return values;
}

/**
 * A line one rule writes that the other's `match` selects, or null when none was found. Such a
 * pair fights: each pass rewrites the other's line. A line one writes that the other does not
 * select stays put, so two FileLines setting different lines of a file (`ssl_certificate` and
 * `ssl_certificate_key`) live side by side. Decided by trying every port number and the rules'
 * own words as the value: exact for port values, a close approximation for free text.
 */
export function collidingLine(a: LineRule, b: LineRule): string | null {
  const matchA = compile(a.match);
  const matchB = compile(b.match);
  // A match that does not compile is reported on its own key; there is nothing to compare.
  if (matchA === null || matchB === null) return null;
  const partsA = a.template.split('{value}');
  const partsB = b.template.split('{value}');
  for (const value of probeValues(a, b)) {
    const lineA = partsA.join(value);
    if (matchB.test(lineA)) return lineA;
    const lineB = partsB.join(value);
    if (matchA.test(lineB)) return lineB;
  }
  return null;
}

function compile(source: string): RegExp | null {
  try {
    return new RegExp(source);
  } catch {
    return null;
  }
}
