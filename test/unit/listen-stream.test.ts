import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyListen,
  effectiveListen,
  formatListen,
  listenInSync,
  listenPorts,
  type ListenValue,
} from '../../src/resources/systemd-socket-port/listen-stream';

const port = (p: number, host = ''): ListenValue => ({ kind: 'port', port: p, host });
const other = (value: string): ListenValue => ({ kind: 'other', value });
const invalid = (value: string): ListenValue => ({ kind: 'invalid', value });

describe('classifyListen', () => {
  const cases: [string, ListenValue][] = [
    ['9090', port(9090)],
    ['1', port(1)],
    ['65535', port(65535)],
    ['0.0.0.0:9090', port(9090, '0.0.0.0')],
    ['127.0.0.1:9000', port(9000, '127.0.0.1')],
    ['255.255.255.255:1', port(1, '255.255.255.255')],
    ['[::]:9090', port(9090, '[::]')],
    ['[::1]:9090', port(9090, '[::1]')],
    ['[fe80::1]:65535', port(65535, '[fe80::1]')],
    ['/run/cockpit.sock', other('/run/cockpit.sock')],
    ['/run/cockpit:9090', other('/run/cockpit:9090')],
    ['@abstract', other('@abstract')],
    ['@cockpit:9090', other('@cockpit:9090')],
    ['vsock:2:9090', other('vsock:2:9090')],
    ['99999', invalid('99999')],
    ['65536', invalid('65536')],
    ['0', invalid('0')],
    ['abc', invalid('abc')],
    ['1.2.3.4:0', invalid('1.2.3.4:0')],
    ['1.2.3.4:65536', invalid('1.2.3.4:65536')],
    ['300.1.1.1:80', invalid('300.1.1.1:80')],
    ['1.2.3:80', invalid('1.2.3:80')],
    ['1.2.3.4.5:80', invalid('1.2.3.4.5:80')],
    ['[]:80', invalid('[]:80')],
    ['[::]:', invalid('[::]:')],
    ['[::]:0', invalid('[::]:0')],
    [':9090', invalid(':9090')],
    ['::1:9090', invalid('::1:9090')],
    ['localhost:9090', invalid('localhost:9090')],
    ['0.0.0.0:09090', invalid('0.0.0.0:09090')],
    ['0.0.0.0: 9090', invalid('0.0.0.0: 9090')],
    ['9090 9091', invalid('9090 9091')],
    ['+9090', invalid('+9090')],
    ['0x2382', invalid('0x2382')],
    ['\uFF19\uFF10\uFF19\uFF10', invalid('\uFF19\uFF10\uFF19\uFF10')],
    ['90\u000090', invalid('90\u000090')],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} is ${expected.kind}`, () => {
      assert.deepEqual(classifyListen(value), expected);
    });
  }
});

describe('formatListen', () => {
  const roundTrip = ['9090', '0.0.0.0:9090', '127.0.0.1:9000', '[::]:9090', '[::1]:1', '/run/cockpit.sock', '@abstract', 'vsock:2:9090', 'abc'];
  for (const value of roundTrip) {
    it(`round-trips ${value}`, () => {
      assert.equal(formatListen(classifyListen(value)), value);
    });
  }
  const changed: [ListenValue, string][] = [
    [port(9000), '9000'],
    [port(9000, '[::]'), '[::]:9000'],
    [port(9000, '0.0.0.0'), '0.0.0.0:9000'],
  ];
  for (const [value, text] of changed) {
    it(`formats ${text}`, () => assert.equal(formatListen(value), text));
  }
});

describe('effectiveListen', () => {
  const cases: [string, string[], ListenValue[]][] = [
    ['nothing', [], []],
    ['one port', ['9090'], [port(9090)]],
    ['several, order kept', ['9090', '/run/x.sock', '[::]:9000'], [port(9090), other('/run/x.sock'), port(9000, '[::]')]],
    ['empty value resets', ['9090', '', '9000'], [port(9000)]],
    ['reset at the end leaves nothing', ['9090', ''], []],
    ['several resets', ['1', '', '2', '', '3', '4'], [port(3), port(4)]],
    ['invalid values are ignored', ['99999', '9090', 'abc', '1.2.3.4:0'], [port(9090)]],
    ['invalid does not reset', ['9090', '300.1.1.1:80'], [port(9090)]],
    ['duplicates kept (systemd merges them itself)', ['9090', '9090'], [port(9090), port(9090)]],
    ['the cockpit drop-in', ['9090', '', '9000'], [port(9000)]],
  ];
  for (const [name, values, expected] of cases) {
    it(name, () => assert.deepEqual(effectiveListen(values), expected));
  }
  it('accepts any iterable', () => {
    function* values(): Generator<string> {
      yield '9090';
      yield '';
      yield '9000';
    }
    assert.deepEqual(effectiveListen(values()), [port(9000)]);
  });
});

describe('listenPorts and listenInSync', () => {
  const cases: [string, ListenValue[], number[], Record<number, boolean>][] = [
    ['empty list', [], [], { 9000: false }],
    ['only paths', [other('/run/x.sock')], [], { 9000: false }],
    ['one port', [port(9000)], [9000], { 9000: true, 9090: false }],
    ['port and path', [port(9000), other('/run/x.sock')], [9000], { 9000: true }],
    ['same port on two addresses', [port(9000, '[::]'), port(9000, '0.0.0.0')], [9000], { 9000: true }],
    ['two ports', [port(9000), port(9090)], [9000, 9090], { 9000: false, 9090: false }],
    ['order of appearance, distinct', [port(9090), port(9000), port(9090)], [9090, 9000], { 9000: false }],
    ['invalid entries are not ports', [invalid('9000')], [], { 9000: false }],
  ];
  for (const [name, listen, ports, sync] of cases) {
    it(name, () => {
      assert.deepEqual(listenPorts(listen), ports);
      for (const [desired, inSync] of Object.entries(sync)) assert.equal(listenInSync(listen, Number(desired)), inSync, `desired ${desired}`);
    });
  }
});
