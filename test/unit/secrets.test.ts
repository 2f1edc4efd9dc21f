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
