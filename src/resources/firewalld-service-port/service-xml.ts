/**
 * firewalld service files (`<service><port protocol="tcp" port="9090"/></service>`), edited
 * as text so that every byte we do not own is kept: only the `port` attribute of tcp `<port>`
 * elements changes.
 */
export type ServicePorts = { ok: true; tcpPorts: string[] } | { ok: false; problem: string };

const PORT_TAG = /<port\b([^>]*?)(\/?)>/g;
const COMMENT = /<!--[\s\S]*?-->/g;

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attributes);
  return match ? (match[1] ?? match[2]) : undefined;
}

function withoutComments(text: string): string {
  // Same length, so positions found in the stripped text are valid in the original.
  return text.replace(COMMENT, (c) => ' '.repeat(c.length));
}

export function parseServicePorts(text: string): ServicePorts {
  const body = withoutComments(text);
  if (!/<service\b/.test(body) || !/<\/service\s*>/.test(body)) {
    return { ok: false, problem: 'not a firewalld service file (no <service> element)' };
  }
  const tcpPorts: string[] = [];
  for (const match of body.matchAll(PORT_TAG)) {
    const attributes = match[1] as string;
    if (attribute(attributes, 'protocol') === 'tcp') tcpPorts.push(attribute(attributes, 'port') ?? '');
  }
  return { ok: true, tcpPorts };
}

/** The text with every tcp `<port>` on `port`, or one added before `</service>` when none. */
export function setServicePort(text: string, port: number): string {
  const body = withoutComments(text);
  let found = false;
  let out = '';
  let last = 0;
  for (const match of body.matchAll(PORT_TAG)) {
    const attributes = match[1] as string;
    if (attribute(attributes, 'protocol') !== 'tcp') continue;
    found = true;
    const start = match.index as number;
    const original = text.slice(start, start + match[0].length);
    const rewritten = /\bport\s*=/.test(attributes)
      ? original.replace(/\bport\s*=\s*(?:"[^"]*"|'[^']*')/, `port="${port}"`)
      : original.replace(/^<port\b/, `<port port="${port}"`);
    out += text.slice(last, start) + rewritten;
    last = start + match[0].length;
  }
  if (found) return out + text.slice(last);
  const close = body.search(/<\/service\s*>/);
  const lineStart = text.lastIndexOf('\n', close - 1) + 1;
  const indent = /^\s*$/.test(text.slice(lineStart, close)) ? lineStart : close;
  return `${text.slice(0, indent)}  <port protocol="tcp" port="${port}"/>\n${text.slice(indent)}`;
}
