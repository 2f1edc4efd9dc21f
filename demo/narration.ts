/** What the demo says: the usage, the introduction and the lines it prints while it plays. */
import type { StatusJson } from '../harness/status';
import type { WatchEvent } from './file-watcher';
import type { Output } from './output';

export const USAGE = `Usage: npm run demo [-- --once-round]

  Builds an emulated Websoft9 host (temporary files, throwaway busybox containers), runs the
  controller against it and breaks things on a timer, showing each drift and its correction.

  --once-round   play the six scenes once, then clean up and exit (for CI)
  -h, --help     this text

  Ctrl-C stops the controller and removes everything the demo created.
`;

export function intro(out: Output): void {
  const b = (text: string): string => out.paint('bold', text);
  out.plain(b('reconcile — live demo: keeping a Docker host in line with a container, level-triggered'));
  out.plain(`
${b('The setting.')} Websoft9 runs self-hosted apps in Docker. Its control container,
${b('websoft9-apphub')}, stores the port of Cockpit (the host's web console) in its config.ini:
    [cockpit]
    port = 9000
The host keeps its own copies of that port, outside any container:
  • cockpit.socket    the systemd unit shipped by the cockpit package (ListenStream=9090, the
                      vendor default; package upgrades overwrite it)
  • listen.conf       a drop-in next to it (cockpit.socket.d/) that overrides ListenStream with
                      apphub's port; this is what the controller writes
  • cockpit.xml       firewalld's service definition, which opens that port in the firewall
  • custom_var.conf   the proxy's variable $cockpit_port (then nginx -s reload in the proxy)
If they disagree with apphub, the console is unreachable. The profile keeps more things in line:
  • cockpit-certs     Cockpit's certificates, mirrored into the proxy's volume
  • *-credentials     Gitea's, Portainer's and the proxy's logins, copied into apphub's config.ini
  • proxy-ssl-*       the proxy's ssl_certificate and ssl_certificate_key lines (custom_ssl.conf),
                      from apphub's ssl_cert and ssl_key
  • cockpit-origins   Origins in Cockpit's cockpit.conf, from apphub's docker0_ip (the proxy's
                      address), so that Cockpit accepts the proxy's requests

${b('What went wrong.')} Websoft9 synced them with an edge-triggered shell watcher: when a file changed,
it asked apphub for the port. During an upgrade cockpit.socket was reset to 9090 while apphub was
being recreated; the question failed, the script fell back to 9090, and since no file changed
afterwards it never looked again. Users lost their port 9000.

${b('What this controller does instead.')} Any hint (a file change, a Docker event, a 30 s resync)
starts a pass that re-reads apphub's port and the host files in full and corrects any difference.
If apphub's port cannot be read, it writes nothing and says so in its status.

${b('What to watch for.')}
  ${out.paint('magenta', 'watch')}       every change of the host files, seen from outside (polled every 10 ms)
  ${out.paint('blue', 'controller')}  what the controller logged: why a pass ran (its triggers) and what it did
  ${out.paint('cyan', 'demo')}        what the demo breaks, and how long the correction took
  Scene 2 is the one that broke real hosts: apphub is down, so nothing may be written.

Everything lives in a temporary directory and throwaway containers labelled reconciler.demo=true;
systemctl, firewall-cmd, nginx and apphub's CLI are recording stand-ins, so nothing on this machine
changes. Passwords are never printed. Ctrl-C stops and cleans up.`);
}

/** The demo's own voice, one timestamped line at a time. */
export class Narrator {
  constructor(readonly out: Output) {}

  say(text: string): void {
    this.out.log('demo', text);
  }

  explain(text: string): void {
    this.out.log('demo', this.out.paint('dim', text));
  }

  ok(text: string): void {
    this.out.log('demo', this.out.paint('green', `✔ ${text}`));
  }

  drift(text: string): void {
    this.out.log('demo', `${this.out.paint('yellow', 'drift seen:')} ${text}`);
  }

  error(text: string): void {
    this.out.log('demo', this.out.paint('red', text));
  }

  /** `name   value` rows under a heading. */
  table(rows: readonly (readonly [string, string])[]): void {
    this.out.plain('');
    for (const [name, value] of rows) this.out.plain(`  ${name.padEnd(18)} ${value}`);
    this.out.plain('');
  }

  /** One watched change: what happened to the file and whether it agrees with apphub's `desired`. */
  change(event: WatchEvent, desired: number): void {
    const { file, state, previous } = event;
    const how = !state.exists ? 'removed' : !previous.exists ? 'created' : event.replaced ? 'replaced (rename)' : 'rewritten in place';
    let verdict: string;
    if (file.kind === 'ini' && previous.exists && state.exists && previous.port === state.port) verdict = this.out.paint('dim', 'another section changed; the port did not');
    else if (file.kind === 'ini') verdict = `apphub's port is now ${state.port ?? 'unreadable'}`;
    else if (file.kind === 'unit') verdict = this.out.paint('dim', 'vendor default; the drop-in overrides it');
    else if (file.kind === 'cert') verdict = this.out.paint('dim', 'certificate');
    else if (state.port === desired) verdict = this.out.paint('green', '✓ matches apphub');
    else verdict = this.out.paint('red', `✗ differs from apphub's ${desired}`);
    this.out.log('watch', `${file.label.padEnd(18)} ${how.padEnd(18)} ${state.summary.padEnd(22)} ${verdict}`, event.at);
  }

  /** What the stand-ins recorded since the last scene. */
  calls(title: string, calls: readonly string[]): void {
    this.out.plain(calls.length === 0 ? `      ${title}: none` : `      ${title}:\n${calls.map((c) => `        $ ${c}`).join('\n')}`);
  }

  /** `status: in sync · cockpit-socket 9000 Applied · … · passes N, changes N, failures N`. */
  status(status: StatusJson | null): void {
    if (!status) {
      this.out.plain('      status: (no status file yet)');
      return;
    }
    const allReady = status.resources.every((r) => r.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
    const resources = status.resources.map((r) => {
      const ready = r.conditions.find((c) => c.type === 'Ready');
      return `${r.name} ${r.desired ?? `(${r.lastKnownDesired ?? '?'})`} ${ready?.reason ?? '?'}`;
    });
    const head = allReady ? this.out.paint('green', 'status: in sync') : this.out.paint('yellow', 'status: not in sync');
    const stats = `passes ${status.stats.passes}, changes ${status.stats.changes}, failures ${status.stats.failures}`;
    this.out.plain(`      ${head} · ${stats}\n        ${resources.join('\n        ')}`);
  }
}
