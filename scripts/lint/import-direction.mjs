// ESLint rule `house/import-direction`: which folder may import which, and who may do I/O.
//
// Why a local rule: `no-restricted-imports` matches the import string as written ('../../desired/x'),
// so a rule per folder needs a pattern per depth; this rule resolves each relative import to a path
// and looks both ends up in one layer table (see eslint.config.mjs). No resolver, no dependency.
import path from 'node:path';

/**
 * @typedef {{ role: string, path: string, mayImport: string[], io?: boolean }} Layer
 *   `path` is a folder or a single file relative to the repository root; the longest match wins.
 *   `mayImport` lists roles (a role may always import itself); `io: true` allows `ioModules`.
 * @typedef {{ file: string, imports: string, removedBy: string }} Exception
 *   A file (or folder) allowed one import that the table forbids: a role or a module name.
 * @typedef {{ layers: Layer[], ioModules: string[], exceptions: Exception[] }} Options
 */

const posix = (p) => p.split(path.sep).join('/');

/** The layer whose path is `rel` or a folder above it (longest match), or undefined. */
function layerOf(layers, rel) {
  let best;
  for (const layer of layers) {
    const hit = rel === layer.path || rel.startsWith(`${layer.path}/`) || rel === `${layer.path}.ts`;
    if (hit && (best === undefined || layer.path.length > best.path.length)) best = layer;
  }
  return best;
}

/** 'node:fs/promises' -> 'fs', '@scope/pkg/x' -> '@scope/pkg', 'chokidar' -> 'chokidar'. */
function moduleName(source) {
  const bare = source.replace(/^node:/, '');
  const parts = bare.split('/');
  return bare.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const covers = (exception, rel) => rel === exception.file || rel.startsWith(`${exception.file}/`);

/** @type {import('eslint').Rule.RuleModule} */
export const importDirection = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports run one way through the layer table; only adapters do I/O.' },
    schema: false,
    messages: {
      layer: "{{from}} ({{file}}) may not import {{to}} ('{{source}}'): allowed are {{allowed}}.",
      io: "{{from}} ({{file}}) may not import '{{source}}': only adapters touch files, processes, network or Docker.",
      outside: "'{{source}}' resolves outside the layer table ({{target}}).",
      unusedException:
        'The exception "{{file}} imports {{imports}}" in eslint.config.mjs is no longer needed: remove it.',
    },
  },
  create(context) {
    /** @type {Options} */
    const { layers, ioModules, exceptions } = context.options[0];
    const rel = posix(path.relative(context.cwd, context.filename));
    const from = layerOf(layers, rel);
    if (from === undefined) return {};
    const mine = exceptions.filter((e) => covers(e, rel));
    const used = new Set();
    const excused = (imports) => {
      const hit = mine.find((e) => e.imports === imports);
      if (hit !== undefined) used.add(hit);
      return hit !== undefined;
    };

    const check = (node) => {
      if (node === null || node === undefined || typeof node.value !== 'string') return;
      const source = node.value;
      const data = { from: from.role, file: rel, source };
      if (!source.startsWith('.')) {
        const name = moduleName(source);
        if (!from.io && ioModules.includes(name) && !excused(name)) {
          context.report({ node, messageId: 'io', data });
        }
        return;
      }
      const target = posix(path.relative(context.cwd, path.resolve(path.dirname(context.filename), source)));
      const to = layerOf(layers, target);
      if (to === undefined) {
        context.report({ node, messageId: 'outside', data: { source, target } });
        return;
      }
      if (to.role === from.role || from.mayImport.includes(to.role) || excused(to.role)) return;
      const allowed = from.mayImport.length > 0 ? from.mayImport.join(', ') : 'none';
      context.report({ node, messageId: 'layer', data: { ...data, to: to.role, allowed } });
    };

    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportEqualsDeclaration: (node) => check(node.moduleReference.expression),
      TSImportType: (node) => check(node.argument?.literal ?? node.source),
      'Program:exit': (program) => {
        for (const e of mine) {
          if (e.file === rel && !used.has(e)) {
            context.report({ node: program, messageId: 'unusedException', data: e });
          }
        }
      },
    };
  },
};
