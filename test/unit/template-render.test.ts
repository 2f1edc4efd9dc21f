import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setBlock, currentBlock } from '../../src/resources/template/edit-block';
import { compile, createEngine, renderOnce } from '../../src/resources/template/liquid-engine';
import { mountPoints } from '../../src/resources/template/mountinfo';
import { renderContainers } from '../../src/resources/template/render-containers';
import { addressFilter, hostnameFilter, portFilter, RefusedValue } from '../../src/resources/template/safe-filters';
import { listed } from '../support/listed-containers';

const engine = createEngine();
const parse = (text: string) => {
  const c = compile(engine, text);
  assert.ok(c.ok, c.ok ? '' : c.message);
  return c.template;
};

describe('safe-output filters', () => {
  const refuses = (f: (v: unknown) => unknown, v: unknown) => assert.throws(() => f(v), RefusedValue, `accepted ${JSON.stringify(v)}`);
  it('hostname: host names pass, anything else is refused', () => {
    for (const ok of ['a.test', 'x', 'Web-1.example.org', 'a'.repeat(63) + '.b']) assert.equal(hostnameFilter(ok), ok);
    for (const bad of ['', 'x; }', 'a..b', '-a.test', 'a-.test', 'a b', 'a.test\n', '*.a.test', 'a'.repeat(64), `${'a.'.repeat(127)}a`, 'ä.test', undefined, null]) refuses(hostnameFilter, bad);
  });
  it('port: 1-65535 from numbers or decimal strings', () => {
    assert.equal(portFilter('80'), 80);
    assert.equal(portFilter(8443), 8443);
    for (const bad of ['0', '65536', '80;', ' 80', '0x50', '', -1, 1.5, null]) refuses(portFilter, bad);
  });
  it('address: IPv4 and IPv6, no zones, brackets or junk', () => {
    for (const ok of ['172.17.0.2', '198.18.0.1', '::1', 'fd00::5', '2001:db8::1:2:3:4', '::ffff:1.2.3.4']) assert.equal(addressFilter(ok), ok);
    for (const bad of ['', '1.2.3', '256.1.1.1', '01.2.3.4', '[::1]', 'fe80::1%eth0', '::1/64', 'example.org', '1.2.3.4; }', ':::', 'g::1']) refuses(addressFilter, bad);
  });
});

describe('the Liquid sandbox', () => {
  it('reads no file: include, render and layout find nothing', () => {
    for (const text of ['{% include "/etc/passwd" %}', "{% render '/etc/hostname' %}", '{% layout "/etc/hosts" %}x']) {
      const c = compile(engine, text);
      const out = c.ok ? renderOnce(engine, c.template, {}) : { error: c.message };
      assert.ok('error' in out, `${text} rendered: ${JSON.stringify(out)}`);
      assert.doesNotMatch(JSON.stringify(out), /root:/);
    }
  });
  it('fails on an undefined variable or filter, but not in an if test', () => {
    assert.ok('error' in renderOnce(engine, parse('{{ nope }}'), {}));
    const unknown = compile(engine, '{{ "x" | shell }}');
    assert.equal(unknown.ok, false);
    assert.match(unknown.ok ? '' : unknown.message, /undefined filter: shell/);
    assert.deepEqual(renderOnce(engine, parse('{% if nope %}a{% endif %}b'), {}), { text: 'b' });
  });
  it('bounds a runaway template', () => {
    const out = renderOnce(engine, parse('{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}'), {});
    assert.ok('error' in out);
  });
  it('does not reach prototypes or the environment', () => {
    assert.ok('error' in renderOnce(engine, parse('{{ containers.constructor }}'), { containers: [] }));
    assert.ok('error' in renderOnce(engine, parse('{{ env.PATH }}'), { env: {} }));
  });
});

describe('rendering containers', () => {
  const tpl = parse('{% for c in containers %}{{ c.labels["reconcile.vhost"] | hostname }} {{ c.ip | address }}\n{% endfor %}');
  it('renders every container in order, with the documented context', () => {
    const ctx = parse('{% for c in containers %}{{ c.name }}|{{ c.id }}|{{ c.state }}|{{ c.health }}|{{ c.ip }}|{{ c.ip6 }}|{{ c.networks.bridge.ip }}|{{ c.ports[0].private }}/{{ c.ports[0].type }}|{{ c.labels.a }}\n{% endfor %}{{ env.DOMAIN }}');
    const r = renderContainers(engine, ctx, [listed('a', { a: '1' }), listed('b', { a: '2' }, '10.0.0.3')], { DOMAIN: 'example.org' });
    assert.ok(r.ok);
    assert.equal(r.text, 'a|id-a|running||172.17.0.2||172.17.0.2|80/tcp|1\nb|id-b|running||10.0.0.3||10.0.0.3|80/tcp|2\nexample.org');
  });
  it('leaves out and names a container whose value a filter refuses; the others are rendered', () => {
    const r = renderContainers(engine, tpl, [listed('a', { 'reconcile.vhost': 'a.test' }), listed('bad', { 'reconcile.vhost': 'x; }' }), listed('c', { 'reconcile.vhost': 'c.test' }, '')], {});
    assert.ok(r.ok);
    assert.equal(r.text, 'a.test 172.17.0.2\n');
    assert.deepEqual(r.invalid.map((i) => i.name), ['bad', 'c']);
    assert.match(r.invalid[0]?.problem ?? '', /"x; }" is not a host name/);
  });
  it('leaves out a container the listing flagged (an oversized label)', () => {
    const r = renderContainers(engine, tpl, [listed('a', { 'reconcile.vhost': 'a.test' }, '1.2.3.4', { problems: ['label x: value longer than 4096 bytes'] })], {});
    assert.ok(r.ok);
    assert.equal(r.text, '');
    assert.deepEqual(r.invalid, [{ name: 'a', problem: 'label x: value longer than 4096 bytes' }]);
  });
  it('a missing variable is the template\'s failure, not a container\'s', () => {
    const r = renderContainers(engine, parse('{% for c in containers %}{{ c.nope }}{% endfor %}'), [listed('a', {})], {});
    assert.equal(r.ok, false);
  });
});

describe('block editing', () => {
  const m = { begin: '# BEGIN reconcile', end: '# END reconcile' };
  it('replaces only the lines between the markers, every other byte kept', () => {
    const text = '127.0.0.1 localhost\r\n# BEGIN reconcile\nold\n# END reconcile\n\xff tail without newline';
    const out = setBlock(text, m, '1.2.3.4 a.test\n');
    assert.deepEqual(out, { ok: true, text: '127.0.0.1 localhost\r\n# BEGIN reconcile\n1.2.3.4 a.test\n# END reconcile\n\xff tail without newline' });
    assert.equal(currentBlock(out.ok ? out.text : '', m), '1.2.3.4 a.test\n');
  });
  it('appends the block when the markers are absent (adding a missing final line end)', () => {
    assert.deepEqual(setBlock('a', m, 'x'), { ok: true, text: 'a\n# BEGIN reconcile\nx\n# END reconcile\n' });
    assert.deepEqual(setBlock('', m, ''), { ok: true, text: '# BEGIN reconcile\n# END reconcile\n' });
  });
  it('refuses broken markers, touching nothing', () => {
    assert.equal(setBlock('# BEGIN reconcile\nx\n', m, 'y').ok, false);
    assert.equal(setBlock('# END reconcile\n# BEGIN reconcile\n', m, 'y').ok, false);
    assert.equal(setBlock('# BEGIN reconcile\n# END reconcile\n# BEGIN reconcile\n# END reconcile\n', m, 'y').ok, false);
  });
});

describe('mountinfo', () => {
  it('lists mount points with escapes undone', () => {
    const info = '36 35 98:0 / / rw - ext4 /dev/root rw\n600 36 8:1 /srv/x.conf /etc/nginx/conf.d/x.conf rw - ext4 /dev/sda1 rw\n601 36 8:1 /a /with\\040space rw - ext4 /dev/sda1 rw\n';
    const points = mountPoints(info);
    assert.ok(points.has('/etc/nginx/conf.d/x.conf'));
    assert.ok(points.has('/with space'));
    assert.ok(!points.has('/srv/x.conf'));
  });
});
