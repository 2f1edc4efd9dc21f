import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DockerError } from '../../src/core/errors';
import type { ContainerInfo } from '../../src/host/docker-host';
import type { ContainerFileSpec } from '../../src/config/kind-specs';
import { ContainerFile, MAX_CREDENTIAL_BYTES } from '../../src/sources/container-file';
import type { Desired } from '../../src/sources/desired';
import { FakeDocker, runningContainer } from '../support/fake-docker';

const running = runningContainer;

/** A Docker host with one container (or none) holding one file (or none). */
function fileDocker(container: ContainerInfo | null | Error, content: Buffer | null | Error): FakeDocker {
  return new FakeDocker({
    inspectContainer: async (name) => {
      if (container instanceof Error) throw container;
      return container && container.name === name ? container : null;
    },
    readContainerFile: async () => {
      if (content instanceof Error) throw content;
      return content;
    },
  });
}

const GITEA: ContainerFileSpec = { kind: 'ContainerFile', container: 'websoft9-git', path: '/data/gitea/credential', format: 'json' };
const PORTAINER: ContainerFileSpec = { kind: 'ContainerFile', container: 'websoft9-deployment', path: '/data/credential', format: 'password', username: 'admin' };
const SECRET = 'hunter2-S3cret';

async function read(spec: ContainerFileSpec, content: string | Buffer | null | Error, container: ContainerInfo | null | Error = running(spec.container)): Promise<{ desired: Desired; docker: FakeDocker }> {
  const docker = fileDocker(container, typeof content === 'string' ? Buffer.from(content) : content);
  const desired = await new ContainerFile('src', spec, docker).read();
  return { desired, docker };
}

describe('ContainerFile.read: values', () => {
  const cases: { name: string; spec: ContainerFileSpec; content: string | Buffer; username: string; password: string }[] = [
    { name: 'json', spec: GITEA, content: JSON.stringify({ username: 'websoft9', password: SECRET }), username: 'websoft9', password: SECRET },
    { name: 'json, pretty, trailing newline', spec: GITEA, content: `${JSON.stringify({ username: 'u', password: SECRET }, null, 2)}\n`, username: 'u', password: SECRET },
    { name: 'json with extra keys', spec: GITEA, content: JSON.stringify({ username: 'u', password: SECRET, email: 'a@b' }), username: 'u', password: SECRET },
    { name: 'json without username uses the configured one', spec: { ...GITEA, username: 'admin' }, content: JSON.stringify({ password: SECRET }), username: 'admin', password: SECRET },
    { name: 'json username wins over the configured one', spec: { ...GITEA, username: 'admin' }, content: JSON.stringify({ username: 'root', password: SECRET }), username: 'root', password: SECRET },
    { name: 'json non-string username falls back to the configured one', spec: { ...GITEA, username: 'admin' }, content: JSON.stringify({ username: 7, password: SECRET }), username: 'admin', password: SECRET },
    { name: 'json with unicode and shell characters', spec: GITEA, content: JSON.stringify({ username: 'ü', password: `$(x);'"\`😀 %s` }), username: 'ü', password: `$(x);'"\`😀 %s` },
    { name: 'password', spec: PORTAINER, content: `${SECRET}\n`, username: 'admin', password: SECRET },
    { name: 'password, no newline', spec: PORTAINER, content: SECRET, username: 'admin', password: SECRET },
    { name: 'password, CRLF', spec: PORTAINER, content: `${SECRET}\r\n`, username: 'admin', password: SECRET },
    { name: 'password, only the first line', spec: PORTAINER, content: `${SECRET}\nsecond line\n`, username: 'admin', password: SECRET },
    { name: 'password, surrounding spaces trimmed', spec: PORTAINER, content: `  ${SECRET} \t\n`, username: 'admin', password: SECRET },
    { name: 'password that looks like JSON', spec: PORTAINER, content: '{"password":"x"}', username: 'admin', password: '{"password":"x"}' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { desired, docker } = await read(c.spec, c.content);
      assert.deepEqual(desired, { kind: 'value', value: { username: c.username, password: c.password }, origin: `${c.spec.container}:${c.spec.path}` });
      assert.deepEqual(docker.reads, [[c.spec.container, c.spec.path, MAX_CREDENTIAL_BYTES]]);
    });
  }
});

describe('ContainerFile.read: unavailable or invalid, never a value and never the content', () => {
  const stopped: ContainerInfo = { ...running('websoft9-git'), running: false, status: 'exited' };
  const cases: {
    name: string;
    spec?: ContainerFileSpec;
    content: string | Buffer | null | Error;
    container?: ContainerInfo | null | Error;
    kind: 'unavailable' | 'invalid';
    message: RegExp;
  }[] = [
    { name: 'no such container', content: `{"password":"${SECRET}"}`, container: null, kind: 'unavailable', message: /container websoft9-git does not exist/ },
    { name: 'stopped container', content: `{"password":"${SECRET}"}`, container: stopped, kind: 'unavailable', message: /websoft9-git is not running \(exited\)/ },
    { name: 'docker unreachable', content: `{"password":"${SECRET}"}`, container: new DockerError('UNREACHABLE', 'cannot reach the Docker daemon'), kind: 'unavailable', message: /cannot reach the Docker daemon/ },
    { name: 'missing file', content: null, kind: 'unavailable', message: /websoft9-git:\/data\/gitea\/credential does not exist/ },
    { name: 'file too large', content: new DockerError('FILE_TOO_LARGE', 'websoft9-git:/data/gitea/credential is larger than 65536 bytes'), kind: 'unavailable', message: /larger than/ },
    { name: 'not a regular file', content: new DockerError('NOT_A_FILE', 'websoft9-git:/data/gitea/credential is not a regular file (directory)'), kind: 'unavailable', message: /not a regular file/ },
    { name: 'empty JSON file', content: '', kind: 'invalid', message: /not valid JSON/ },
    { name: 'half-written JSON', content: `{"username":"u","password":"${SECRET}`, kind: 'invalid', message: /not valid JSON/ },
    { name: 'JSON with a syntax error after the password', content: `{"password":"${SECRET}",}`, kind: 'invalid', message: /not valid JSON/ },
    { name: 'JSON array', content: `["${SECRET}"]`, kind: 'invalid', message: /not a JSON object/ },
    { name: 'JSON string', content: `"${SECRET}"`, kind: 'invalid', message: /not a JSON object/ },
    { name: 'JSON null', content: 'null', kind: 'invalid', message: /not a JSON object/ },
    { name: 'JSON number', content: '12345678', kind: 'invalid', message: /not a JSON object/ },
    { name: 'no password key', content: `{"username":"${SECRET}"}`, kind: 'invalid', message: /no password/ },
    { name: 'empty password', content: '{"username":"u","password":""}', kind: 'invalid', message: /no password/ },
    { name: 'password not a string', content: `{"username":"u","password":{"v":"${SECRET}"}}`, kind: 'invalid', message: /no password/ },
    { name: 'no username anywhere', content: `{"password":"${SECRET}"}`, kind: 'invalid', message: /no username/ },
    { name: 'empty username', content: `{"username":"","password":"${SECRET}"}`, kind: 'invalid', message: /no username/ },
    { name: 'password with a newline', content: JSON.stringify({ username: 'u', password: `${SECRET}\n[evil]` }), kind: 'invalid', message: /control characters/ },
    { name: 'password with CR', content: JSON.stringify({ username: 'u', password: `${SECRET}\r` }), kind: 'invalid', message: /control characters/ },
    { name: 'password with NUL', content: JSON.stringify({ username: 'u', password: `${SECRET}\u0000` }), kind: 'invalid', message: /control characters/ },
    { name: 'password with a tab', content: JSON.stringify({ username: 'u', password: `${SECRET}\tx` }), kind: 'invalid', message: /control characters/ },
    { name: 'password with ESC', content: JSON.stringify({ username: 'u', password: `\u001b[31m${SECRET}` }), kind: 'invalid', message: /control characters/ },
    { name: 'password with DEL', content: JSON.stringify({ username: 'u', password: `${SECRET}\u007f` }), kind: 'invalid', message: /control characters/ },
    { name: 'username with a newline', content: JSON.stringify({ username: `u\n${SECRET}`, password: SECRET }), kind: 'invalid', message: /control characters/ },
    { name: 'password file empty', spec: PORTAINER, content: '', kind: 'invalid', message: /no password/ },
    { name: 'password file of blank lines', spec: PORTAINER, content: '  \n\n', kind: 'invalid', message: /no password/ },
    { name: 'password file, password on the second line', spec: PORTAINER, content: `\n${SECRET}\n`, kind: 'invalid', message: /no password/ },
    { name: 'password file without a configured username', spec: { ...PORTAINER, username: undefined }, content: SECRET, kind: 'invalid', message: /no username/ },
    { name: 'password file with a control character', spec: PORTAINER, content: `${SECRET}\u0007`, kind: 'invalid', message: /control characters/ },
    { name: 'password file with a lone CR', spec: PORTAINER, content: `${SECRET}\rmore`, kind: 'invalid', message: /control characters/ },
    { name: 'binary garbage', content: Buffer.from([0xff, 0xfe, 0x00, 0x7b]), kind: 'invalid', message: /not valid JSON/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const spec = c.spec ?? GITEA;
      const { desired } = await read(spec, c.content, c.container === undefined ? running(spec.container) : c.container);
      assert.equal(desired.kind, c.kind, JSON.stringify(desired));
      const message = (desired as { message: string }).message;
      assert.match(message, c.message);
      assert.ok(!message.includes(SECRET), `secret in ${message}`);
      assert.ok(!message.includes('hunter2'), `part of the secret in ${message}`);
      if (typeof c.content === 'string' && c.content.trim().length >= 4) assert.ok(!message.includes(c.content.trim()), `content in ${message}`);
      if (c.kind === 'invalid') assert.ok(message.startsWith(`${spec.container}:${spec.path}: `), message);
    });
  }
});

describe('ContainerFile', () => {
  it('names its container and watches no host path', async () => {
    const source = new ContainerFile('gitea-credential', GITEA, fileDocker(null, null));
    assert.equal(source.name, 'gitea-credential');
    assert.deepEqual(source.containers(), ['websoft9-git']);
    for (const content of [JSON.stringify({ username: 'u', password: SECRET }), null]) assert.deepEqual((await read(GITEA, content)).desired.watch ?? [], []);
  });

  it('does not read the file of a missing or stopped container', async () => {
    for (const container of [null, { ...running('websoft9-git'), running: false, status: 'created' }]) {
      const { docker } = await read(GITEA, SECRET, container);
      assert.deepEqual(docker.reads, []);
    }
  });
});
