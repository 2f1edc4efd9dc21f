/** Vendor files of a Cockpit host, as Debian's cockpit-ws and firewalld ship them (test data). */

/** The vendor `cockpit.socket` as shipped by Cockpit (Debian's cockpit-ws). */
export function cockpitSocketUnit(listenPort = 9090): string {
  return [
    '[Unit]',
    'Description=Cockpit Web Service Socket',
    'Documentation=man:cockpit-ws(8)',
    'Wants=cockpit-motd.service',
    '',
    '[Socket]',
    `ListenStream=${listenPort}`,
    "ExecStartPost=-/usr/share/cockpit/motd/update-motd '' localhost",
    'ExecStartPost=-/bin/ln -snf active.issue /run/cockpit/issue',
    'ExecStopPost=-/bin/ln -snf inactive.issue /run/cockpit/issue',
    '',
    '[Install]',
    'WantedBy=sockets.target',
    '',
  ].join('\n');
}

/** firewalld's `cockpit.xml` service definition. */
export function firewalldCockpitXml(port = 9090): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<service>',
    '  <short>Cockpit</short>',
    '  <description>Cockpit lets you access and configure your server remotely.</description>',
    `  <port protocol="tcp" port="${port}"/>`,
    '</service>',
    '',
  ].join('\n');
}
