import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkIpv4, checkPath, checkValue } from '../../src/core/value-type';

describe('checkValue: port (the default type)', () => {
  it('gives a number for a port and refuses what checkPort refuses', () => {
    assert.deepEqual(checkValue('port', '9000'), { ok: true, value: 9000 });
    for (const raw of ['0', '70000', '0x2328', '9000; rm -rf /', ' 9000']) assert.equal(checkValue('port', raw).ok, false, raw);
  });
});

describe('checkIpv4', () => {
  for (const raw of ['172.17.0.1', '0.0.0.0', '255.255.255.255', '10.0.0.10', '192.168.100.200', '1.2.3.4']) {
    it(`accepts ${raw}`, () => assert.deepEqual(checkIpv4(raw), { ok: true, value: raw }));
  }
  const rejected: [string, string][] = [
    ['', 'empty'],
    ['172.17.0', 'three parts'],
    ['172.17.0.1.5', 'five parts'],
    ['256.1.1.1', 'part above 255'],
    ['172.017.0.1', 'leading zero (octal to inet_aton)'],
    ['00.0.0.0', 'two zeros'],
    ['0x7f.0.0.1', 'hexadecimal part'],
    ['-1.0.0.0', 'negative part'],
    ['172.17.0.1 ', 'trailing space'],
    [' 172.17.0.1', 'leading space'],
    ['172.17.0.1\n', 'line break'],
    ['172.17.0.1:9000', 'with a port'],
    ['172.17.0.1;', 'nginx directive end'],
    ['172.17.0.1 ws://evil:9000', 'a second origin'],
    ['localhost', 'a name'],
    ['::1', 'IPv6'],
    ['1..2.3', 'empty part'],
    ['１.２.３.４', 'full-width digits'],
    ['172.17.0.1\u0000', 'NUL'],
    ['2130706433', 'an integer address'],
  ];
  for (const [raw, why] of rejected) {
    it(`refuses ${JSON.stringify(raw)} (${why})`, () => {
      const result = checkIpv4(raw);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.problem, /not an IPv4 address/);
    });
  }
});

describe('checkPath', () => {
  for (const raw of ['/data/custom_ssl/websoft9-self-signed.cert', '/etc/ssl/private/proxy.key', '/a', '/data/custom_ssl/npm-1/fullchain.pem', '/é/ü.pem']) {
    it(`accepts ${raw}`, () => assert.deepEqual(checkPath(raw), { ok: true, value: raw }));
  }
  const rejected: [string, string][] = [
    ['', 'empty'],
    ['relative/cert.pem', 'relative'],
    ['./cert.pem', 'relative with dot'],
    ['/data/cert.pem; include /etc/shadow', 'a second directive'],
    ['/data/cert.pem;', 'directive end'],
    ['/data/a b.pem', 'space'],
    ['/data/a\tb.pem', 'tab'],
    ['/data/a.pem\nssl_certificate_key /etc/shadow', 'line break'],
    ['/data/a.pem\r', 'carriage return'],
    ['/data/"a".pem', 'double quote'],
    ["/data/'a'.pem", 'single quote'],
    ['/data/`id`.pem', 'backquote'],
    ['/data/a\\.pem', 'backslash'],
    ['/data/{a}.pem', 'braces'],
    ['/data/a}.pem', 'closing brace ends the server block'],
    ['/data/a.pem#', 'comment'],
    ['/data/$host.pem', 'nginx variable'],
    ['/data/a\u0000.pem', 'NUL'],
    ['/data/a\u0007.pem', 'BEL'],
    ['/data/a\u007f.pem', 'DEL'],
    ['/data/a\u0085.pem', 'NEL (C1)'],
    ['/data/a\u00a0.pem', 'no-break space'],
    ['/data/a\u2028.pem', 'line separator'],
    ['/data/a\u200b.pem', 'zero-width space'],
    ['/data/a\u202e.pem', 'right-to-left override'],
    ['/data/a\ufeff.pem', 'byte order mark'],
    [`/${'a'.repeat(5000)}`, 'longer than PATH_MAX'],
  ];
  for (const [raw, why] of rejected) {
    it(`refuses ${JSON.stringify(raw.slice(0, 60))} (${why})`, () => {
      const result = checkPath(raw);
      assert.equal(result.ok, false);
      if (!result.ok) assert.ok(result.problem.length < 200, 'the message stays short');
    });
  }
  it('checkValue dispatches to the path check', () => {
    assert.equal(checkValue('path', '/a;b').ok, false);
    assert.deepEqual(checkValue('path', '/a/b'), { ok: true, value: '/a/b' });
  });
});
