import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProcNetTcp } from '../../src/resources/systemd-socket-port/proc-net-tcp';

// Lines as the kernel writes them (x86-64), from a host with Cockpit on 9000 and sshd on 22.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   2: 0100007F:2328 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 20 4 30 10 -1
   3: 010011AC:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
   4: 0100007F:2329 00000000:0000 06 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0
   5: 0100007F:23`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31338 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0
   3: B80D0120000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 101 1 0000000000000000 100 0 0 10 0
   4: 00000000000000000000000000000000:2329 00000000000000000000000000000000:0000 01 00000000:00000000 00:00000000 00000000     0        0 102 1 0000000000000000 100 0 0 10 0`;

describe('parseProcNetTcp', () => {
  it('IPv4: LISTEN entries only, addresses in the kernel’s byte order, ports in hex', () => {
    assert.deepEqual(parseProcNetTcp(TCP, 4), [
      { address: '0.0.0.0', port: 9000, inode: '31337' },
      { address: '127.0.0.1', port: 8080, inode: '4242' },
      { address: '172.17.0.1', port: 22, inode: '777' },
    ]);
  });
  it('IPv6: ::, ::1, v4-mapped and a global address; ESTABLISHED skipped', () => {
    assert.deepEqual(parseProcNetTcp(TCP6, 6), [
      { address: '::', port: 9000, inode: '31338' },
      { address: '::1', port: 80, inode: '99' },
      { address: '::ffff:127.0.0.1', port: 8080, inode: '100' },
      { address: '2001:db8::1', port: 443, inode: '101' },
    ]);
  });
  it('ignores a header, empty text, garbage and a truncated line', () => {
    assert.deepEqual(parseProcNetTcp('', 4), []);
    assert.deepEqual(parseProcNetTcp('garbage\n 0: zz:yy 0 0A', 4), []);
    assert.deepEqual(parseProcNetTcp(TCP.split('\n').slice(0, 1).join('\n'), 4), []);
    assert.deepEqual(parseProcNetTcp(TCP6, 4), [], 'an IPv6 line in the IPv4 file is not read as IPv4');
  });
});
