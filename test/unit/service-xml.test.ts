import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServicePorts, setServicePort, type ServicePorts } from '../../src/resources/firewalld-service-port/service-xml';

/** firewalld's /usr/lib/firewalld/services/cockpit.xml. */
const VENDOR = [
  '<?xml version="1.0" encoding="utf-8"?>',
  '<service>',
  '  <short>Cockpit</short>',
  '  <description>Cockpit lets you access and configure your server remotely.</description>',
  '  <port protocol="tcp" port="9090"/>',
  '</service>',
  '',
].join('\n');

const okPorts = (...tcpPorts: string[]): ServicePorts => ({ ok: true, tcpPorts });

describe('parseServicePorts', () => {
  const cases: [string, string, ServicePorts | 'problem'][] = [
    ['vendor cockpit.xml', VENDOR, okPorts('9090')],
    ['CRLF', VENDOR.replace(/\n/g, '\r\n'), okPorts('9090')],
    ['udp ignored', '<service><port protocol="udp" port="9090"/><port protocol="tcp" port="9000"/></service>', okPorts('9000')],
    ['only udp', '<service><port protocol="udp" port="9090"/></service>', okPorts()],
    ['attribute order reversed', '<service><port port="9000" protocol="tcp"/></service>', okPorts('9000')],
    ['single quotes', "<service><port protocol='tcp' port='9000'/></service>", okPorts('9000')],
    ['mixed quotes', `<service><port protocol="tcp" port='9000'/></service>`, okPorts('9000')],
    ['spaces around =', '<service><port protocol = "tcp"  port =\t"9000" /></service>', okPorts('9000')],
    ['attributes on several lines', '<service>\n  <port\n    protocol="tcp"\n    port="9000"\n  />\n</service>', okPorts('9000')],
    ['open and close tags', '<service><port protocol="tcp" port="9000"></port></service>', okPorts('9000')],
    ['several tcp ports', '<service><port protocol="tcp" port="9090"/><port protocol="tcp" port="9091"/></service>', okPorts('9090', '9091')],
    ['port range kept as text', '<service><port protocol="tcp" port="9000-9010"/></service>', okPorts('9000-9010')],
    ['tcp port without port attribute', '<service><port protocol="tcp"/></service>', okPorts('')],
    ['no port element', '<service><short>x</short></service>', okPorts()],
    ['commented port ignored', '<service>\n<!-- <port protocol="tcp" port="1"/> -->\n<port protocol="tcp" port="9090"/>\n</service>', okPorts('9090')],
    ['only a commented port', '<service>\n<!-- <port protocol="tcp" port="1"/> -->\n</service>', okPorts()],
    ['comment mentioning <port> in text', '<service>\n<!-- change <port> below; was <port protocol="tcp" port="22"/> -->\n  <port protocol="tcp" port="9090"/>\n</service>', okPorts('9090')],
    ['source-port is not a port', '<service><source-port protocol="tcp" port="1"/><port protocol="tcp" port="9090"/></service>', okPorts('9090')],
    ['<ports> is not a port', '<service><ports protocol="tcp" port="1"/></service>', okPorts()],
    ['service with attributes', '<service version="1.0"><port protocol="tcp" port="9090"/></service >', okPorts('9090')],
    ['not a service file: zone', '<zone><port protocol="tcp" port="9090"/></zone>', 'problem'],
    ['not a service file: empty', '', 'problem'],
    ['not a service file: text', 'hello world', 'problem'],
    ['truncated (no </service>)', '<?xml version="1.0"?>\n<service>\n  <port protocol="tcp" port="9090"/>\n', 'problem'],
    ['<service> only inside a comment', '<!-- <service></service> -->\n<port protocol="tcp" port="9090"/>', 'problem'],
    ['<services> is not <service>', '<services></services>', 'problem'],
    ['NUL bytes', '\u0000\u0000\u0000', 'problem'],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      const parsed = parseServicePorts(text);
      if (expected === 'problem') {
        assert.equal(parsed.ok, false);
        if (!parsed.ok) assert.match(parsed.problem, /service/);
      } else {
        assert.deepEqual(parsed, expected);
      }
    });
  }
});

describe('setServicePort', () => {
  const cases: [string, string, string][] = [
    ['vendor: only the port attribute changes', VENDOR, VENDOR.replace('port="9090"', 'port="9000"')],
    ['CRLF kept', VENDOR.replace(/\n/g, '\r\n'), VENDOR.replace('port="9090"', 'port="9000"').replace(/\n/g, '\r\n')],
    ['byte order mark kept', `\uFEFF${VENDOR}`, `\uFEFF${VENDOR.replace('port="9090"', 'port="9000"')}`],
    ['udp untouched', '<service>\n  <port protocol="udp" port="9090"/>\n  <port protocol="tcp" port="9090"/>\n</service>\n', '<service>\n  <port protocol="udp" port="9090"/>\n  <port protocol="tcp" port="9000"/>\n</service>\n'],
    ['attribute order reversed', '<service><port port="9090" protocol="tcp"/></service>', '<service><port port="9000" protocol="tcp"/></service>'],
    ['single quotes', "<service><port protocol='tcp' port='9090'/></service>", `<service><port protocol='tcp' port="9000"/></service>`],
    ['spaces around =', '<service><port protocol = "tcp"  port = "9090" /></service>', '<service><port protocol = "tcp"  port="9000" /></service>'],
    ['open and close tags', '<service><port protocol="tcp" port="9090"></port></service>', '<service><port protocol="tcp" port="9000"></port></service>'],
    ['several tcp ports all set', '<service><port protocol="tcp" port="9090"/><port protocol="tcp" port="9091"/></service>', '<service><port protocol="tcp" port="9000"/><port protocol="tcp" port="9000"/></service>'],
    ['range replaced', '<service><port protocol="tcp" port="9090-9100"/></service>', '<service><port protocol="tcp" port="9000"/></service>'],
    ['tcp port without port attribute', '<service><port protocol="tcp"/></service>', '<service><port port="9000" protocol="tcp"/></service>'],
    [
      'comments untouched, even when they contain <port>',
      '<service>\n  <!-- <port protocol="tcp" port="9090"/> -->\n  <port protocol="tcp" port="9090"/>\n  <!-- port="9090" -->\n</service>\n',
      '<service>\n  <!-- <port protocol="tcp" port="9090"/> -->\n  <port protocol="tcp" port="9000"/>\n  <!-- port="9090" -->\n</service>\n',
    ],
    [
      'missing tcp port: inserted on its own line before </service>',
      '<?xml version="1.0" encoding="utf-8"?>\n<service>\n  <short>Cockpit</short>\n</service>\n',
      '<?xml version="1.0" encoding="utf-8"?>\n<service>\n  <short>Cockpit</short>\n  <port protocol="tcp" port="9000"/>\n</service>\n',
    ],
    [
      'missing tcp port, indented </service>',
      '<service>\n  <short>x</short>\n  </service>',
      '<service>\n  <short>x</short>\n  <port protocol="tcp" port="9000"/>\n  </service>',
    ],
    [
      'missing tcp port, one-line file',
      '<service><short>x</short></service>',
      '<service><short>x</short>  <port protocol="tcp" port="9000"/>\n</service>',
    ],
    [
      'only udp: tcp added, udp kept',
      '<service>\n  <port protocol="udp" port="9090"/>\n</service>\n',
      '<service>\n  <port protocol="udp" port="9090"/>\n  <port protocol="tcp" port="9000"/>\n</service>\n',
    ],
    [
      'only a commented tcp port: a real one is added, the comment kept',
      '<service>\n  <!-- <port protocol="tcp" port="9090"/> -->\n</service>\n',
      '<service>\n  <!-- <port protocol="tcp" port="9090"/> -->\n  <port protocol="tcp" port="9000"/>\n</service>\n',
    ],
    [
      '</service> inside a comment is not the end',
      '<service>\n  <!-- </service> -->\n</service>\n',
      '<service>\n  <!-- </service> -->\n  <port protocol="tcp" port="9000"/>\n</service>\n',
    ],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      const after = setServicePort(text, 9000);
      assert.equal(after, expected);
      assert.deepEqual(parseServicePorts(after).ok && [...new Set((parseServicePorts(after) as { tcpPorts: string[] }).tcpPorts)], ['9000']);
      assert.equal(setServicePort(after, 9000), after, 'setting the same port again changes nothing');
    });
  }

  it('CRLF file without a tcp port still gets one', () => {
    const after = setServicePort('<service>\r\n  <short>x</short>\r\n</service>\r\n', 9000);
    assert.deepEqual(parseServicePorts(after), okPorts('9000'));
    assert.ok(after.startsWith('<service>\r\n  <short>x</short>\r\n'));
    assert.ok(after.endsWith('</service>\r\n'));
  });

  it('every port 1..65535 round-trips', () => {
    for (let port = 1; port <= 65535; port += 97) {
      assert.deepEqual(parseServicePorts(setServicePort(VENDOR, port)), okPorts(String(port)));
    }
    assert.deepEqual(parseServicePorts(setServicePort(VENDOR, 65535)), okPorts('65535'));
  });
});
