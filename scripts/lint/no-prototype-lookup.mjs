// ESLint rule `house/no-prototype-lookup`: no lookup by a user-chosen name that can reach
// Object.prototype.
//
// Why: resource names, source names, labels and INI keys are the user's (or a container's). On a
// plain object, `name in obj` is true for `constructor`, `toString`, `hasOwnProperty`, ... and
// `obj[name]` reads (or, for `__proto__`, replaces) the prototype: a resource named
// `constructor` was "pending" on every pass. What it reports, in src/:
// - `key in obj` whose key is not a string literal (`'exec' in step` narrows a union: allowed);
// - `obj[key]` (read or write) where `obj`'s type has a string index signature
//   (`Record<string, T>`, `{ [k: string]: T }`) and `key` is typed `string` (not a union of
//   literals the code itself chose, not a number).
// Use a Map, or Object.hasOwn() before the read when the object comes from JSON.
import ts from 'typescript';

/** The key's type is the code's own: a number, or string literals only. */
function isClosedKey(type) {
  if (type.isUnion()) return type.types.every(isClosedKey);
  return (type.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.StringLiteral | ts.TypeFlags.BooleanLike | ts.TypeFlags.EnumLike)) !== 0;
}

function hasStringIndex(checker, type) {
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((t) => checker.getIndexInfoOfType(t, ts.IndexKind.String) !== undefined && !checker.isArrayLikeType(t));
}

/** @type {import('eslint').Rule.RuleModule} */
export const noPrototypeLookup = {
  meta: {
    type: 'problem',
    docs: { description: 'no `in` or index lookups by a string key on plain objects (prototype keys)' },
    schema: [],
    messages: {
      inOperator: '`{{key}} in …` is true for prototype keys (`constructor`, `toString`); use a Map or Object.hasOwn().',
      indexed: '`{{object}}[{{key}}]` with a string key reads Object.prototype for `constructor`/`__proto__`; use a Map (or Object.hasOwn() first).',
    },
  },
  create(context) {
    const services = context.sourceCode.parserServices;
    if (!services?.program) return {};
    const checker = services.program.getTypeChecker();
    const typeOf = (node) => checker.getTypeAtLocation(services.esTreeNodeToTSNodeMap.get(node));
    const text = (node) => context.sourceCode.getText(node).slice(0, 40);
    return {
      BinaryExpression(node) {
        if (node.operator !== 'in' || node.left.type === 'PrivateIdentifier') return;
        if (node.left.type === 'Literal' && typeof node.left.value === 'string') return;
        context.report({ node, messageId: 'inOperator', data: { key: text(node.left) } });
      },
      MemberExpression(node) {
        if (!node.computed || node.property.type === 'Literal') return;
        if (isClosedKey(typeOf(node.property))) return;
        if (!hasStringIndex(checker, typeOf(node.object))) return;
        context.report({ node, messageId: 'indexed', data: { object: text(node.object), key: text(node.property) } });
      },
    };
  },
};
