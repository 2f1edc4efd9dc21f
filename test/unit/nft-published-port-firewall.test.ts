import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatAddress, parseCidr, type Cidr } from '../../src/core/cidr';
import type { CommandResult, CommandRunner } from '../../src/host/command-runner';
import type { ToolStep } from '../../src/resources/plan';
import { ALLOW_FROM_LABEL } from '../../src/resources/published-port-firewall/allow-label';
import { desiredPolicy, ESTABLISHED_RULE, type FirewallContainer, type FirewallPolicy } from '../../src/resources/published-port-firewall/firewall-rules';
import { parseFilterTable } from '../../src/resources/published-port-firewall/iptables-save';
import { canonicalNftRule, NFT_ESTABLISHED, NFT_HOOK, NFT_REMOVAL, nftRules, nftTransaction, parseNftTable, renderNftTable } from '../../src/resources/published-port-firewall/nft-table';
import { chooseBackend, planFirewall, type BackendSetting, type FirewallState } from '../../src/resources/published-port-firewall/plan-firewall';
import { PublishedPortFirewall } from '../../src/resources/published-port-firewall/published-port-firewall';
import { readNftTable } from '../../src/resources/published-port-firewall/read-netfilter';
import { netfilterChange } from '../../src/triggers/netfilter-monitor';

const seed = Number(process.env.FC_SEED ?? 42);
const cidr = (text: string): Cidr => parseCidr(text) as Cidr;
const deny: FirewallPolicy = { default: 'deny', allowFrom: [cidr('198.18.9.0/24'), cidr('2001:db8:9::/48')] };
const web: FirewallContainer = { name: 'web', labels: {}, ports: [{ privatePort: 80, publicPort: 8080, protocol: 'tcp' }], addresses: ['172.17.0.2', 'fd00:1::2'] };
const db: FirewallContainer = { name: 'db', labels: {}, ports: [{ privatePort: 53, publicPort: 5353, protocol: 'udp' }], addresses: ['172.17.0.3'] };

// What `nft list table inet reconcile` (nft 1.0.6) printed for these rules, in a test network namespace.
const LISTED = `table inet reconcile {
\tchain forward {
\t\ttype filter hook forward priority filter - 1; policy accept;
\t\tct state established,related return
\t\tip saddr 198.18.9.0/24 ip daddr 172.17.0.3 udp dport 53 ct status dnat return
\t\tip daddr 172.17.0.3 udp dport 53 ct status dnat drop
\t\tip saddr 198.18.9.0/24 ip daddr 172.17.0.2 tcp dport 80 ct status dnat return
\t\tip daddr 172.17.0.2 tcp dport 80 ct status dnat drop
\t\tip6 saddr 2001:db8:9::/48 ip6 daddr fd00:1::2 tcp dport 80 ct status dnat return
\t\tip6 daddr fd00:1::2 tcp dport 80 ct status dnat drop
\t}
}
`;
const DOCKER_USER = '*filter\n:FORWARD ACCEPT [0:0]\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -j RETURN\nCOMMIT\n';
const NO_DOCKER_USER = '*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n';
const OURS_IN_IPTABLES = `*filter\n:DOCKER-USER - [0:0]\n:RECONCILE-PUBLISHED - [0:0]\n-A DOCKER-USER -j RECONCILE-PUBLISHED\n-A DOCKER-USER -j RETURN\n${ESTABLISHED_RULE}\nCOMMIT\n`;

function state(containers: FirewallContainer[] | null, nft: string | null | undefined, v4 = NO_DOCKER_USER): FirewallState {
  return {
    containers,
    families: { 4: { available: true, table: parseFilterTable(v4) }, 6: { available: true, table: parseFilterTable(NO_DOCKER_USER) } },
    // undefined: nft cannot be run; null: no table; text: the listing.
    nft: nft === undefined ? { available: false, why: '`nft list table inet reconcile` could not be run: nft: ENOENT' } : { available: true, table: nft === null ? null : parseNftTable(nft) },
  };
}
const steps = (plan: { commands: unknown[] }): ToolStep[] => plan.commands as ToolStep[];
const wantedOf = (containers: readonly FirewallContainer[], policy = deny): string[] => nftRules(desiredPolicy(containers, policy).rules);
/** The table a transaction leaves: what follows its `delete table` line, read back as nft would list it. */
const afterApply = (input: string): string => input.split('delete table inet reconcile\n')[1] ?? '';

describe('nftables rules', () => {
  it('the same policy as the iptables chain, in nft syntax: established first, then IPv4, then IPv6', () => {
    assert.deepEqual(wantedOf([web, db]), parseNftTable(LISTED).forward?.rules);
    assert.deepEqual(parseNftTable(LISTED), { forward: { hook: NFT_HOOK, rules: wantedOf([web, db]) }, other: [] });
  });

  it('reads other spellings of our rules as ours; anything else stays as printed', () => {
    assert.equal(canonicalNftRule('ct state related,established return'), NFT_ESTABLISHED);
    assert.equal(canonicalNftRule('ip daddr 172.17.0.2/32 tcp dport 80 ct status dnat drop'), 'ip daddr 172.17.0.2 tcp dport 80 ct status dnat drop');
    assert.equal(canonicalNftRule('ip6 saddr 2001:DB8:9:0::/48 ip6 daddr fd00:0:0:0::2 tcp dport 80 ct status dnat return'), 'ip6 saddr 2001:db8:9::/48 ip6 daddr fd00::2 tcp dport 80 ct status dnat return');
    assert.equal(canonicalNftRule('ip saddr 0.0.0.0/0 ip daddr 172.17.0.2 tcp dport 80 ct status dnat return'), 'ip daddr 172.17.0.2 tcp dport 80 ct status dnat return');
    for (const foreign of [
      'ip daddr 172.17.0.2 tcp dport 80 drop',
      'ip daddr 172.17.0.2 tcp dport 80 ct status dnat counter packets 0 bytes 0 drop',
      'ip daddr 172.17.0.2 tcp dport 80 ct status dnat accept',
      'ip saddr fd00::1 ip daddr 172.17.0.2 tcp dport 80 ct status dnat return',
      'ip daddr 172.17.0.2 ip daddr 172.17.0.3 tcp dport 80 ct status dnat drop',
      'ip daddr 172.17.0.2 tcp dport 0 ct status dnat drop',
      'ip daddr 172.17.0.2 tcp dport 80 ct status dnat drop comment "x"',
      'ct state established return',
      'iifname "eth0" ip daddr 172.17.0.2 tcp dport 80 ct status dnat drop',
      'drop',
    ]) {
      assert.equal(canonicalNftRule(foreign), foreign);
    }
  });

  it('a listing with anything more than our chain is not in sync, and says what is there', () => {
    const cases: [string, (t: ReturnType<typeof parseNftTable>) => boolean][] = [
      [LISTED.replace('policy accept;', 'policy drop;'), (t) => t.forward?.hook === 'type filter hook forward priority filter - 1; policy drop;'],
      [LISTED.replace('table inet reconcile {\n', 'table inet reconcile {\n\tflags dormant\n'), (t) => t.other.includes('flags dormant')],
      [LISTED.replace('\t}\n}', '\t}\n\tchain extra {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tdrop\n\t}\n}'), (t) => t.other.length === 3 && t.forward?.rules.length === 7],
      [LISTED.replace('table inet reconcile {\n', 'table inet reconcile {\n\tset s {\n\t\ttype ipv4_addr\n\t\telements = { 1.2.3.4,\n\t\t\t     5.6.7.8 }\n\t}\n'), (t) => t.other.length === 4 && t.forward?.rules.length === 7],
      [LISTED.replace('\t\tct state', '\t\tip daddr vmap {\n\t\t\t1.2.3.4 : accept\n\t\t}\n\t\tct state'), (t) => t.other.length >= 2],
      [LISTED.replace('\t}\n}\n', ''), (t) => t.forward?.rules.length === 7 && t.other[0] === '(the listing ends inside a block)'],
      [`${LISTED}}\n}\n`, (t) => t.other.length === 2],
      [LISTED.replace('table inet reconcile', 'table inet other'), (t) => t.forward === null],
      ['', (t) => t.other[0] === '(no table inet reconcile in the listing)'],
    ];
    for (const [text, check] of cases) {
      const table = parseNftTable(text);
      assert.ok(check(table), `${text}\n${JSON.stringify(table)}`);
      const plan = planFirewall(state([web, db], text), deny, 'nftables');
      assert.equal(plan.commands.length, 1, text);
    }
  });

  it('hostile listings: past 1 MiB refused, long lines cut, control characters and braces never throw', () => {
    assert.throws(() => parseNftTable('x'.repeat(1024 * 1024 + 1)), /more than 1048576 characters/);
    const long = parseNftTable(LISTED.replace('\t\tct state', `\t\tip daddr 1.2.3.4 ${'a'.repeat(100_000)}\n\t\tct state`));
    assert.ok((long.forward?.rules ?? []).every((r) => r.length <= 201));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('{', '}', 'table inet reconcile {', 'chain forward {', NFT_HOOK, NFT_ESTABLISHED, '\u0000', '\u001b[2J', 'ct status dnat drop'), fc.string({ maxLength: 40 })), { maxLength: 60 }), (pieces) => {
        const text = pieces.join('\n');
        const table = parseNftTable(text);
        for (const line of [...table.other, ...(table.forward?.rules ?? [])]) assert.ok(line.length <= 201);
        // Garbage is never taken for the desired table unless it is that table line for line.
        const plan = planFirewall(state([web, db], text), deny, 'nftables');
        if (plan.commands.length === 0) assert.deepEqual(table, parseNftTable(LISTED));
      }),
      { seed, numRuns: 2000 },
    );
  });
});

const octet = fc.integer({ min: 0, max: 255 });
const v4 = fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), octet, octet).map((b) => b.join('.'));
const v6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => formatAddress(g.flatMap((x) => [x >> 8, x & 0xff])));
const block = fc.oneof(
  fc.tuple(octet, octet, octet, octet, fc.integer({ min: 0, max: 32 })).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`),
  fc.tuple(v6, fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`),
);
const label = fc.oneof(fc.array(block, { minLength: 1, maxLength: 4 }).map((l) => l.join(', ')), fc.constantFrom('1.2.3.4 -j ACCEPT', 'not a cidr', '10.0.0.0/8;drop'));
const container = fc.record({
  name: fc.constantFrom('a', 'b', 'c', 'web', 'db'),
  labels: fc.option(label, { nil: undefined }).map((l): Record<string, string> => (l === undefined ? {} : { [ALLOW_FROM_LABEL]: l })),
  ports: fc.array(fc.record({ privatePort: fc.integer({ min: 0, max: 70_000 }), publicPort: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom('tcp', 'udp', 'sctp', 'icmp') }), { maxLength: 3 }),
  addresses: fc.array(fc.oneof(v4, v6, fc.constant('')), { maxLength: 3 }),
});
const policy = fc.record({ default: fc.constantFrom('allow' as const, 'deny' as const), allowFrom: fc.array(block.map(cidr), { maxLength: 3 }) });

describe('nftables backend (properties)', () => {
  it('parse(render(rules)) gives the rules back; a plan applied is followed by an empty plan; planning is pure', () => {
    fc.assert(
      fc.property(fc.array(container, { maxLength: 6 }), fc.array(container, { maxLength: 6 }), policy, (before, containers, pol) => {
        const wanted = wantedOf(containers, pol);
        assert.deepEqual(parseNftTable(renderNftTable(wanted)), { forward: { hook: NFT_HOOK, rules: wanted } as const, other: [] });
        // From any earlier table (another container set, or none), one transaction, then nothing to do.
        for (const earlier of [null, renderNftTable(wantedOf(before, pol))]) {
          const seen = Object.freeze(state(containers, earlier));
          const snapshot = JSON.stringify(seen);
          const plan = planFirewall(seen, pol, 'nftables');
          assert.equal(JSON.stringify(seen), snapshot, 'the state is not changed');
          assert.deepEqual(planFirewall(seen, pol, 'nftables'), plan, 'the same state, the same plan');
          const applied = plan.commands.length === 0 ? (earlier ?? '') : afterApply(steps(plan)[0]?.input ?? '');
          assert.deepEqual(planFirewall(state(containers, applied), pol, 'nftables').commands, []);
        }
      }),
      { seed, numRuns: 500 },
    );
  });
});

describe('planFirewall with the nftables backend', () => {
  it('no table: one `nft -f -` transaction that declares, deletes and defines the table whole', () => {
    const [step, ...rest] = steps(planFirewall(state([web, db], null), deny, 'nftables'));
    assert.deepEqual(rest, []);
    assert.deepEqual([step?.tool, step?.args], ['nft', ['-f', '-']]);
    assert.equal(step?.input, nftTransaction(wantedOf([web, db])));
    assert.ok(step?.input?.startsWith('table inet reconcile {}\ndelete table inet reconcile\ntable inet reconcile {\n\tchain forward {\n\t\ttype filter hook forward priority filter - 1; policy accept;\n\t\tct state established,related return\n'));
    assert.deepEqual(step?.preview?.slice(0, 3), ['nft + table inet reconcile', `nft + chain forward { ${NFT_HOOK} }`, `nft + ${NFT_ESTABLISHED}`]);
  });

  it('in sync: nothing; a rule deleted or added by hand: the table rewritten, the preview lists exactly the difference', () => {
    assert.deepEqual(planFirewall(state([web, db], LISTED), deny, 'nftables').commands, []);
    const dropLine = '\t\tip daddr 172.17.0.3 udp dport 53 ct status dnat drop\n';
    assert.deepEqual(steps(planFirewall(state([web, db], LISTED.replace(dropLine, '')), deny, 'nftables'))[0]?.preview, ['nft + ip daddr 172.17.0.3 udp dport 53 ct status dnat drop']);
    const added = LISTED.replace('\t\tct state', '\t\tcounter packets 3 bytes 180 accept\n\t\tct state');
    assert.deepEqual(steps(planFirewall(state([web, db], added), deny, 'nftables'))[0]?.preview, ['nft - counter packets 3 bytes 180 accept']);
    const hook = LISTED.replace('policy accept;', 'policy drop;');
    assert.deepEqual(steps(planFirewall(state([web, db], hook), deny, 'nftables'))[0]?.preview, [`nft - chain forward { ${NFT_HOOK.replace('accept', 'drop')} }`, `nft + chain forward { ${NFT_HOOK} }`]);
  });

  it('a bad label: that container closed to all but allowFrom, reported; the label never reaches the transaction', () => {
    const evil = { ...db, name: 'evil', labels: { [ALLOW_FROM_LABEL]: '10.0.0.0/8 } ; flush ruleset ; {' } };
    const plan = planFirewall(state([web, evil], null), { default: 'allow', allowFrom: [cidr('198.18.9.0/24')] }, 'nftables');
    assert.match(plan.invalidDesired ?? '', /container evil: label reconcile.firewall.allow-from=.* is not a comma-separated list of CIDRs/);
    const input = steps(plan)[0]?.input ?? '';
    assert.ok(!input.includes('flush') && !input.includes('10.0.0.0'));
    assert.ok(input.includes('\t\tip saddr 198.18.9.0/24 ip daddr 172.17.0.3 udp dport 53 ct status dnat return\n\t\tip daddr 172.17.0.3 udp dport 53 ct status dnat drop\n'));
    assert.ok(!input.includes('172.17.0.2'), 'web is open to anyone (default allow): no rule');
  });

  it('switching backend: the new one written first, what the other left removed second; switched off: both removed', () => {
    const toNft = steps(planFirewall(state([web], null, OURS_IN_IPTABLES), deny, 'nftables'));
    assert.deepEqual(toNft.map((s) => s.tool), ['nft', 'iptablesRestore']);
    assert.equal(toNft[1]?.input, '*filter\n-D DOCKER-USER -j RECONCILE-PUBLISHED\n-F RECONCILE-PUBLISHED\n-X RECONCILE-PUBLISHED\nCOMMIT\n');
    const toIptables = steps(planFirewall(state([web], LISTED, DOCKER_USER), deny, 'iptables'));
    assert.deepEqual(toIptables.map((s) => s.tool), ['iptablesRestore', 'nft']);
    assert.equal(toIptables[1]?.input, NFT_REMOVAL);
    assert.equal(toIptables[1]?.preview?.[0], 'nft - table inet reconcile');
    const off = steps(planFirewall(state(null, LISTED, OURS_IN_IPTABLES), deny, 'nftables'));
    assert.deepEqual(off.map((s) => [s.tool, s.input]), [['iptablesRestore', '*filter\n-D DOCKER-USER -j RECONCILE-PUBLISHED\n-F RECONCILE-PUBLISHED\n-X RECONCILE-PUBLISHED\nCOMMIT\n'], ['nft', NFT_REMOVAL]]);
    assert.deepEqual(planFirewall(state(null, null, DOCKER_USER), deny, 'auto').commands, []);
    assert.deepEqual(planFirewall(state(null, undefined, DOCKER_USER), deny, 'nftables').commands, [], 'no nft: nothing of ours to remove there');
  });

  it('auto: iptables where DOCKER-USER exists; else nftables when nft can be run; else the problem says both', () => {
    const cases: [string, string | null | undefined, string][] = [
      [DOCKER_USER, null, 'iptables'],
      [DOCKER_USER, undefined, 'iptables'],
      [NO_DOCKER_USER, null, 'nftables'],
      [NO_DOCKER_USER, undefined, 'iptables'],
    ];
    for (const [v4text, nft, want] of cases) assert.equal(chooseBackend('auto', state([web], nft, v4text)).backend, want);
    assert.deepEqual(steps(planFirewall(state([web], null, NO_DOCKER_USER), deny, 'auto')).map((s) => s.tool), ['nft']);
    assert.match(planFirewall(state([web], undefined, NO_DOCKER_USER), deny, 'auto').problem ?? '', /no DOCKER-USER chain/);
    assert.match(planFirewall(state([web], undefined, DOCKER_USER), deny, 'nftables').problem ?? '', /nft: ENOENT/);
  });
});

/** A runner answering by argv (joined by spaces); anything else: nft not found. */
function fakeRunner(answers: Record<string, CommandResult>): CommandRunner & { ran: string[] } {
  const ran: string[] = [];
  return { ran, run: async (argv) => (ran.push(argv.join(' ')), answers[argv.join(' ')] ?? { kind: 'not-found', message: `${argv[0] ?? ''}: ENOENT` }) };
}
const ok = (stdout: string): CommandResult => ({ kind: 'exited', exitCode: 0, stdout, stderr: '' });
const COMMANDS = { prefix: ['p'], systemctl: ['false'], firewallCmd: ['false'], nft: ['my-nft'], timeoutMs: 1000 };

describe('reading the nftables table', () => {
  it('the listing; no table (told from a failure by `list tables`); nft missing or refusing', async () => {
    assert.deepEqual(await readNftTable(fakeRunner({ 'p my-nft list table inet reconcile': ok(LISTED) }), COMMANDS), { available: true, table: parseNftTable(LISTED) });
    const absent = fakeRunner({ 'p my-nft list table inet reconcile': { kind: 'exited', exitCode: 1, stdout: '', stderr: 'Error: No such file or directory' }, 'p my-nft list tables inet': ok('table inet firewalld\n') });
    assert.deepEqual(await readNftTable(absent, COMMANDS), { available: true, table: null });
    assert.deepEqual(absent.ran, ['p my-nft list table inet reconcile', 'p my-nft list tables inet']);
    const refused = fakeRunner({ 'p my-nft list table inet reconcile': { kind: 'exited', exitCode: 1, stdout: '', stderr: 'Operation not permitted' }, 'p my-nft list tables inet': { kind: 'exited', exitCode: 1, stdout: '', stderr: 'Operation not permitted' } });
    assert.match((await readNftTable(refused, COMMANDS)).available ? '' : 'unavailable', /unavailable/);
    assert.deepEqual(await readNftTable(fakeRunner({}), COMMANDS), { available: false, why: '`p my-nft list table inet reconcile` could not be run: p: ENOENT' });
  });

  it('observe: the nftables backend without nft fails; the iptables backend does not need it; the status names the backend', async () => {
    const spec = (backend: BackendSetting) => ({ name: 'fw', kind: 'PublishedPortFirewall' as const, default: 'deny' as const, allowFrom: [], backend, enabled: true });
    const runner = fakeRunner({ 'p iptables-save -t filter': ok(DOCKER_USER), 'p ip6tables-save -t filter': ok(NO_DOCKER_USER) });
    await assert.rejects(new PublishedPortFirewall(spec('nftables'), async () => [web], runner, COMMANDS).observe(), /could not be run/);
    const seen = await new PublishedPortFirewall(spec('auto'), async () => [web], runner, COMMANDS).observe();
    assert.match(seen.summary, /^1 containers with published ports; auto: DOCKER-USER exists; ipv4: no chain; ipv6: no chain; nft: `p my-nft list table/);
    assert.equal(seen.desired, 'ipv4: 2 rules, ipv6: 2 rules');
    const nftHost = fakeRunner({ 'p my-nft list table inet reconcile': ok(LISTED) });
    const onNft = await new PublishedPortFirewall(spec('auto'), async () => [web, db], nftHost, COMMANDS).observe();
    assert.match(onNft.summary, /auto: no DOCKER-USER chain, nft available; .*; nft: 7 rules$/);
    assert.equal(onNft.desired, 'table inet reconcile: 4 rules', 'allowFrom empty: one established rule and three DROPs');
    assert.deepEqual(new PublishedPortFirewall(spec('auto'), async () => [web], nftHost, COMMANDS).netfilterTables, ['inet reconcile']);
  });
});

describe('netfilter monitor: the nftables table', () => {
  const tables = new Set(['inet reconcile']);
  // Lines `nft monitor` (nft 1.0.6) printed while the table was written, edited by hand and deleted.
  const SEEN: [string, string | null][] = [
    ['add table inet reconcile', 'nft: add table inet reconcile'],
    ['add chain inet reconcile forward { type filter hook forward priority filter - 1; policy accept; }', 'nft: add chain inet reconcile'],
    ['delete rule inet reconcile forward handle 3', 'nft: delete rule inet reconcile'],
    ['add rule inet reconcile forward counter packets 0 bytes 0 accept', 'nft: add rule inet reconcile'],
    ['delete chain inet reconcile forward', 'nft: delete chain inet reconcile'],
    ['delete table inet reconcile', 'nft: delete table inet reconcile'],
    ['add rule inet firewalld filter_FORWARD ct state established,related accept', null],
    ['delete table inet reconciler', null],
    ['add rule ip reconcile forward drop', null],
  ];
  for (const [line, want] of SEEN) {
    it(`${want === null ? 'ignores' : 'recognises'}: ${line.slice(0, 60)}`, () => assert.equal(netfilterChange(line, new Set(), tables), want));
  }
});
