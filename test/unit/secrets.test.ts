import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { fingerprint, maskSecrets } from '../../src/core/secrets';

describe('maskSecrets', () => {
  const cases: { name: string; text: string; secrets: string[] | undefined; want: string }[] = [
    { name: 'no secrets', text: 'a b c', secrets: undefined, want: 'a b c' },
    { name: 'empty list', text: 'a b c', secrets: [], want: 'a b c' },
    { name: 'one occurrence', text: '--value S3cret', secrets: ['S3cret'], want: '--value ***' },
    { name: 'every occurrence', text: 'S3cret S3cret/S3cretS3cret', secrets: ['S3cret'], want: '*** ***/******' },
    { name: 'several secrets', text: 'user admin pass hunter2', secrets: ['admin', 'hunter2'], want: 'user *** pass ***' },
    { name: 'overlapping secrets: the longer first masks all of it', text: 'abcdef', secrets: ['abcdef', 'abc'], want: '***' },
    { name: 'regular expression characters are literal', text: 'x a.b*c+d?(e) y', secrets: ['a.b*c+d?(e)'], want: 'x *** y' },
    { name: 'replacement patterns are literal', text: 'v=$&$1$$', secrets: ['$&$1$$'], want: 'v=***' },
    { name: 'not present', text: 'nothing here', secrets: ['S3cret'], want: 'nothing here' },
    { name: 'case-sensitive', text: 's3cret', secrets: ['S3cret'], want: 's3cret' },
    { name: 'unicode', text: 'pw=ünï😀cøde.', secrets: ['ünï😀cøde'], want: 'pw=***.' },
    { name: 'across lines', text: 'a\nsec\nret\nsec\nret', secrets: ['sec\nret'], want: 'a\n***\n***' },
    { name: 'three characters are masked', text: 'key abc', secrets: ['abc'], want: 'key ***' },
    // Too short: masking them would blank out noise everywhere (and tell what the secret is).
    { name: 'two characters not masked', text: 'ab cab', secrets: ['ab'], want: 'ab cab' },
    { name: 'one character not masked', text: 'a', secrets: ['a'], want: 'a' },
    { name: 'empty secret ignored', text: 'abc', secrets: [''], want: 'abc' },
    { name: 'empty text', text: '', secrets: ['abc'], want: '' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(maskSecrets(c.text, c.secrets), c.want));

  it('never leaves a secret of 3 or more characters in the result', () => {
    const secrets = ['abc', 'S3cret-Pa55', 'x'.repeat(50), 'a b', '***x'];
    const texts = ['', 'abc', 'abcabcab', `pre${'x'.repeat(120)}post`, 'S3cret-Pa55S3cret-Pa55', 'a ba b', '***x***x'];
    for (const secret of secrets) for (const text of texts) assert.ok(!maskSecrets(text, [secret]).includes(secret), `${secret} in ${text}`);
  });
});

describe('maskSecrets: every encoding a program may print', () => {
  const secrets = ['S3cret-Pa55', 'pa"ss\\wörd 😀/+?&=', 'abc', 'x y+z', 'ünï\u0001code-long-enough'];
  const forms = (secret: string): [string, string][] => {
    const bytes = Buffer.from(secret);
    return [
      ['plain', secret],
      ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
      ['JSON-escaped, ASCII only', JSON.stringify(secret).slice(1, -1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)],
      ['URL-encoded', encodeURIComponent(secret)],
      ['URL-encoded, lower-case hex', encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())],
      ['form-encoded', encodeURIComponent(secret).replace(/%20/g, '+')],
      ['base64', bytes.toString('base64')],
      ['base64url', bytes.toString('base64url')],
      ['base64 of {"password": …}', Buffer.from(JSON.stringify({ password: secret })).toString('base64')],
      ['base64 after one byte', Buffer.concat([Buffer.from('x'), bytes]).toString('base64')],
      ['base64 after two bytes', Buffer.concat([Buffer.from('xy'), bytes, Buffer.from('tail')]).toString('base64')],
    ];
  };
  for (const secret of secrets) {
    // A 3-byte secret inside base64 at an offset other than 0 has no group of its own: not masked there.
    for (const [what, form] of forms(secret).filter(([w]) => secret.length >= 5 || !w.startsWith('base64 '))) {
      it(`${JSON.stringify(secret)}: ${what}`, () => {
        const masked = maskSecrets(`error: {"v":"${form}"} end`, [secret]);
        assert.match(masked, /\*\*\*/);
        // Nothing left from which the secret (beyond 2 bytes at either edge of a base64 run) comes back.
        for (const [, other] of forms(secret).slice(0, 8)) if (other.length >= 3) assert.ok(!masked.includes(other), `${what} left ${other} in ${masked}`);
        if (secret.length >= 8) {
          const decoded = Buffer.from(masked.replace(/[^A-Za-z0-9+/=_-]/g, ''), 'base64').toString('latin1');
          assert.ok(!decoded.includes(secret.slice(2, -2)), `${what}: decodes back to the secret: ${masked}`);
        }
      });
    }
  }
});

describe('fingerprint', () => {
  const inputs: string[][] = [[], [''], ['', ''], ['admin', 'S3cret'], ['admin', 'S3cret2'], ['admin2', 'S3cret'], ['adminS', '3cret'], ['admin', 'S3cret', ''], ['ü', '😀'], ['x'.repeat(10_000)]];

  it('is sha256: and 12 lowercase hex digits', () => {
    for (const parts of inputs) assert.match(fingerprint(...parts), /^sha256:[0-9a-f]{12}$/);
  });

  it('is stable', () => {
    for (const parts of inputs) assert.equal(fingerprint(...parts), fingerprint(...[...parts]));
  });

  it('differs for different inputs (including a moved boundary between parts)', () => {
    const seen = new Map<string, string>();
    for (const parts of inputs) {
      const fp = fingerprint(...parts);
      assert.ok(!seen.has(fp), `${JSON.stringify(parts)} and ${seen.get(fp)} share ${fp}`);
      seen.set(fp, JSON.stringify(parts));
    }
  });

  it('does not contain the input', () => {
    for (const secret of ['abc', 'S3cret', 'sha256', '0123456789ab', 'deadbeef']) {
      assert.ok(!fingerprint(secret).slice('sha256:'.length).includes(secret));
      assert.ok(!fingerprint('admin', secret).slice('sha256:'.length).includes(secret));
    }
  });

  it('is not the plain sha256 of the password (keyed prefix)', () => {
    const plain = createHash('sha256').update('S3cret').digest('hex').slice(0, 12);
    assert.notEqual(fingerprint('S3cret'), `sha256:${plain}`);
  });
});
