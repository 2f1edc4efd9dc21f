import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatAddress, formatCidr, parseAddress, parseCidr } from '../../src/core/cidr';

const seed = Number(process.env.FC_SEED ?? 42);
const canonical = (text: string): string | null => {
  const cidr = parseCidr(text);
  return cidr ? formatCidr(cidr) : null;
};

describe('parseCidr and formatCidr', () => {
  it('writes blocks as iptables-save prints them: host bits cleared, IPv6 compressed in lower case', () => {
    assert.equal(canonical('198.18.9.5/24'), '198.18.9.0/24');
    assert.equal(canonical('10.0.0.1'), '10.0.0.1/32');
    assert.equal(canonical('0.0.0.0/0'), '0.0.0.0/0');
    assert.equal(canonical('2001:DB8:9:0:0::5/48'), '2001:db8:9::/48');
    assert.equal(canonical('fd00::0:2'), 'fd00::2/128');
    assert.equal(canonical('2001:db8:0:1:0:0:0:1/128'), '2001:db8:0:1::1/128');
    assert.equal(canonical('1:0:1:0:0:1:0:1'), '1:0:1::1:0:1/128');
    assert.equal(canonical('::'), '::/128');
    assert.equal(canonical('::ffff:1.2.3.4/128'), '::ffff:102:304/128');
  });

  it('refuses everything outside the grammar', () => {
    for (const bad of ['', ' 10.0.0.1', '10.0.0.1 ', '10.0.0.256', '010.0.0.1', '10.0.0', '10.0.0.1/33', '10.0.0.1/024', '10.0.0.1/', '1.2.3.4 -j ACCEPT', '1.2.3.4/24;', 'fd00::1::2', 'fd00:::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8:9', 'fd00::/129', 'g::1', 'localhost', '-s', '1.2.3.4/-1', '12345::1', '::1.2.3']) {
      assert.equal(parseCidr(bad), null, bad);
    }
  });

  it('agrees with Node on which addresses are addresses, and a written address reads back the same (property)', () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
    const v6 = fc.ipV6();
    fc.assert(
      fc.property(fc.oneof(v4, v6, fc.string({ maxLength: 20 })), (text) => {
        const parsed = parseAddress(text);
        // Node accepts zone ids and the like that a firewall rule cannot hold; we only need: what we accept, Node accepts.
        if (parsed) assert.notEqual(isIP(text), 0, text);
        if (parsed) assert.deepEqual(parseAddress(formatAddress(parsed.bytes))?.bytes, parsed.bytes);
      }),
      { seed, numRuns: 1000 },
    );
  });
});
