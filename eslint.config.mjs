// ESLint flat config: the house rules that `tsc` cannot keep (docs/where-things-are.md explains them).
// `npm run lint` runs tsc, this config, and scripts/lint/unused-exports.ts.
import { existsSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importDirection } from './scripts/lint/import-direction.mjs';
import { noPrototypeLookup } from './scripts/lint/no-prototype-lookup.mjs';

// ---------------------------------------------------------------------------------------------
// The layer table: one row per folder (or single file), the roles it may import, who may do I/O.
// Imports run one way: cli -> app -> (controller, triggers, sources, resources, status) -> config
// -> host -> core; adapters implement host and are built in one place (app/create-runtime.ts).
// `files` holds what sources and resources share: finding a file in a volume, INI reading and editing.
// ---------------------------------------------------------------------------------------------
const SRC = ['cli', 'app', 'controller', 'triggers', 'sources', 'resources', 'files', 'status', 'config', 'host', 'core'];
const layers = [
  { role: 'entry', path: 'src/cli.ts', mayImport: ['cli'] },
  { role: 'cli', path: 'src/cli', mayImport: SRC.slice(1) },
  { role: 'app', path: 'src/app', mayImport: ['controller', 'triggers', 'sources', 'resources', 'status', 'config', 'host', 'core'] },
  { role: 'composition-root', path: 'src/app/create-runtime.ts', mayImport: ['app', 'controller', 'triggers', 'sources', 'resources', 'status', 'config', 'host', 'core', 'adapters'] },
  { role: 'status', path: 'src/status', mayImport: ['controller', 'triggers', 'resources', 'config', 'host', 'core'] },
  { role: 'controller', path: 'src/controller', mayImport: ['triggers', 'sources', 'resources', 'config', 'host', 'core'] },
  { role: 'resources', path: 'src/resources', mayImport: ['sources', 'files', 'config', 'host', 'core'] },
  { role: 'triggers', path: 'src/triggers', mayImport: ['config', 'host', 'core'] },
  { role: 'sources', path: 'src/sources', mayImport: ['files', 'config', 'host', 'core'] },
  { role: 'files', path: 'src/files', mayImport: ['host', 'core'] },
  { role: 'config', path: 'src/config', mayImport: ['host', 'core'] },
  { role: 'host', path: 'src/host', mayImport: ['core'] },
  { role: 'adapters', path: 'src/adapters', mayImport: ['host', 'core'], io: true },
  { role: 'core', path: 'src/core', mayImport: [] },
  // The emulated Websoft9 host and the drivers of the built program (docker, CLI, daemon, status
  // file), shared by tests, bench and demo; it imports no test code.
  { role: 'harness', path: 'harness', mayImport: SRC },
  // Harnesses: they drive the built program; demo and bench must not reach into the tests.
  { role: 'demo', path: 'demo', mayImport: [...SRC, 'harness'] },
  { role: 'bench', path: 'bench', mayImport: [...SRC, 'harness'] },
  { role: 'scripts', path: 'scripts', mayImport: [] },
  { role: 'test-support', path: 'test/support', mayImport: [...SRC, 'adapters', 'harness'], io: true },
  { role: 'test', path: 'test', mayImport: [...SRC, 'adapters', 'harness', 'test-support'], io: true },
];
// Harnesses and tests spawn processes and write fixtures themselves: I/O is checked in src/ only.
for (const row of layers) if (!row.path.startsWith('src')) row.io = true;

/** Modules only adapters may import (compared without the `node:` prefix and subpaths). */
const ioModules = ['fs', 'child_process', 'net', 'dgram', 'http', 'https', 'http2', 'chokidar', 'dockerode'];

// Temporary exceptions: today's code that breaks the table. Each names the phase-2 item of
// issue 11 that removes it; the rule reports an exception that is no longer needed.
const exceptions = [
];
for (const e of exceptions) {
  if (!existsSync(e.file)) throw new Error(`eslint.config.mjs: exception for missing path ${e.file}`);
}

/** The house rule: at most 250 lines per file, blank lines and comments included. */
const maxLines = (max) => ['error', { max, skipBlankLines: false, skipComments: false }];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**', 'deploy/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      // Typed linting through the project service: one program for src, test, bench and demo.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['**/*.ts', '**/*.mjs'],
    plugins: { house: { rules: { 'import-direction': importDirection } } },
    rules: {
      'house/import-direction': ['error', { layers, ioModules, exceptions }],
      'max-lines': maxLines(250),
    },
  },
  {
    files: ['**/*.ts'],
    // `_name` marks a parameter an interface requires but this implementation ignores (as in tsc).
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }] },
  },
  {
    // No lookup by a user-chosen name can reach Object.prototype (scripts/lint/no-prototype-lookup.mjs).
    files: ['src/**/*.ts'],
    plugins: { proto: { rules: { 'no-prototype-lookup': noPrototypeLookup } } },
    rules: { 'proto/no-prototype-lookup': 'error' },
  },
  {
    // Confinement as a type (src/host/file-system.ts): a write or removal takes a HostPath or a
    // ConfinedPath, never a string. A HostPath may be made only where a path comes from the
    // configuration, so no path a container controls (a volume's content, a listing, the pending
    // record) can be turned into one and written unconfined; and neither brand may be cast.
    files: ['src/**/*.ts'],
    ignores: [
      'src/host/file-system.ts',
      'src/app/**', 'src/cli/**', 'src/config/**', 'src/status/**',
      // the record's own path: `<status file>.pending.json`
      'src/controller/pending-commands.ts',
      // a location's explicit `path:` (a volume's is a ConfinedPath)
      'src/files/locate.ts', 'src/files/container-volume-file.ts',
      // unitPath / dropInDir, the service `files`, an IniValue's `path`
      'src/resources/systemd-socket-port/**', 'src/resources/firewalld-service-port/**', 'src/resources/ini-value/**',
      // a Template's `path:`
      'src/resources/template/template.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['**/host/file-system'], importNames: ['hostPath'], message: 'a HostPath is made only from the configuration (see eslint.config.mjs); inside a volume or a mirrored tree use ConfinedPath' }] }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/host/file-system.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "TSAsExpression > TSTypeReference[typeName.name=/^(HostPath|ConfinedPath)$/]", message: 'HostPath and ConfinedPath are made by hostPath() and ConfinedPath.inside(), never cast' }],
    },
  },
  {
    // Validators that reject control characters name them in a character class on purpose.
    files: ['src/sources/container-file.ts', 'src/resources/container-credentials/plan-credentials.ts', 'src/core/terminal.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // Packages loaded on first use, not at startup: the list and the reasons are src/core/lazy.ts.
    files: [
      'src/adapters/chokidar-directory-watcher.ts',
      'src/adapters/dockerode-host.ts',
      'src/adapters/read-tar-file.ts',
      'src/resources/template/liquid-engine.ts',
      'src/status/journal/line-diff.ts',
      'src/status/create-metrics.ts',
    ],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**'],
    rules: {
      // node:test's test()/describe() return promises that the runner itself tracks.
      '@typescript-eslint/no-floating-promises': 'off',
      // Tests rethrow with the diagnostic state of the host; the original error's text is in it.
      'preserve-caught-error': 'off',
      // Expected output (diff columns, aligned tables) is matched space for space.
      'no-regex-spaces': 'off',
    },
  },
  {
    // Test files are flat lists of independent cases read top to bottom; splitting them by a line
    // count scatters fixtures from their cases. A higher bound still stops unbounded growth.
    // test/support and harness/ are shared code, not lists of cases: they keep the house rule of 250.
    files: ['test/unit/**', 'test/integration/**'],
    rules: { 'max-lines': maxLines(600) },
  },
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  {
    // scripts/build/*.cjs run as CommonJS with the bundle (dist/cli.js is launcher.cjs).
    files: ['**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { sourceType: 'commonjs', globals: { console: 'readonly', process: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
