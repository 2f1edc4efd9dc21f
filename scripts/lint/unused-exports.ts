/**
 * `npm run lint` step: every export of a file under src/ must be imported by another file
 * (src, test, bench or demo count alike). An export nobody imports is dead code or a local that
 * should not be exported. Exits 1 and lists `file:line name` for each one.
 *
 * Why a script and not an ESLint rule: a rule sees one file at a time; this needs the whole
 * program. The TypeScript compiler resolves every import (re-exports and `import type` included)
 * to the declaration it names, so there is no resolver to configure.
 */
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '..', '..');
const srcDir = path.join(root, 'src') + path.sep;

/**
 * Temporary exceptions, as `src/file.ts#name`: exported today but used only in their own file.
 * Other work is editing these files in phase 1 of issue 11; phase 2's clean-up (after the
 * renames, item 2) drops the `export` keyword or the code. A listed name that is used again, or
 * no longer exported, fails the check so that the list only shrinks.
 */
const usedFromOutside = new Set<string>([
  'src/config/schema.ts#RESOURCE_KINDS',
  'src/config/schema.ts#SOURCE_KINDS',
  'src/controller/run-pass.ts#describePlan',
  'src/files/read-ini-file.ts#MAX_INI_BYTES',
  'src/resources/directory-mirror/directory-mirror.ts#MAX_MIRROR_FILE_BYTES',
  'src/resources/systemd-socket-port/systemd-socket-port.ts#DROP_IN_NAME',
]);

function loadProgram(): ts.Program {
  const configPath = path.join(root, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root);
  return ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
}

function resolveAlias(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** Every symbol some file imports from another file, resolved to its declaration's symbol. */
function importedSymbols(program: ts.Program, checker: ts.TypeChecker): Set<ts.Symbol> {
  const used = new Set<ts.Symbol>();
  const markModule = (specifier: ts.Expression): void => {
    const moduleSymbol = checker.getSymbolAtLocation(specifier);
    if (moduleSymbol === undefined) return;
    for (const s of checker.getExportsOfModule(moduleSymbol)) used.add(resolveAlias(checker, s));
  };
  const mark = (node: ts.Node): void => {
    const symbol = checker.getSymbolAtLocation(node);
    if (symbol !== undefined) used.add(resolveAlias(checker, symbol));
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && node.importClause !== undefined) {
      const { name, namedBindings } = node.importClause;
      if (name !== undefined) mark(name);
      if (namedBindings !== undefined && ts.isNamespaceImport(namedBindings)) markModule(node.moduleSpecifier);
      if (namedBindings !== undefined && ts.isNamedImports(namedBindings)) namedBindings.elements.forEach((e) => mark(e.name));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      // A re-export passes the name on; count it as used (there are no barrels to hide behind).
      if (node.exportClause === undefined || ts.isNamespaceExport(node.exportClause)) markModule(node.moduleSpecifier);
      else node.exportClause.elements.forEach((e) => mark(e.propertyName ?? e.name));
    } else if (ts.isImportTypeNode(node) && node.qualifier !== undefined) {
      mark(ts.isQualifiedName(node.qualifier) ? node.qualifier.right : node.qualifier);
    } else if (ts.isImportEqualsDeclaration(node)) {
      mark(node.name);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg !== undefined) markModule(arg);
    }
    ts.forEachChild(node, visit);
  };
  for (const file of program.getSourceFiles()) if (!file.isDeclarationFile) visit(file);
  return used;
}

/**
 * Types named in the signature of another export of the same file: they are part of that
 * export's contract (its options, its result), so exporting them is not dead code.
 */
function contractTypes(file: ts.SourceFile, checker: ts.TypeChecker): Set<ts.Symbol> {
  const named = new Set<ts.Symbol>();
  const visit = (node: ts.Node): void => {
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      const symbol = checker.getSymbolAtLocation(ts.isQualifiedName(name) ? name.right : name);
      if (symbol !== undefined) named.add(resolveAlias(checker, symbol));
    }
    ts.forEachChild(node, visit);
  };
  for (const statement of file.statements) {
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported) visit(statement);
  }
  return named;
}

function unusedExports(): string[] {
  const program = loadProgram();
  const checker = program.getTypeChecker();
  const used = importedSymbols(program, checker);
  const problems: string[] = [];
  const excused = new Set<string>();
  for (const file of program.getSourceFiles()) {
    if (!path.resolve(file.fileName).startsWith(srcDir)) continue;
    const moduleSymbol = checker.getSymbolAtLocation(file);
    if (moduleSymbol === undefined) continue;
    const rel = path.relative(root, file.fileName).split(path.sep).join('/');
    const contract = contractTypes(file, checker);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const target = resolveAlias(checker, exported);
      const key = `${rel}#${exported.name}`;
      if (used.has(target) || contract.has(target)) continue;
      if (usedFromOutside.has(key)) {
        excused.add(key);
        continue;
      }
      const declaration = exported.declarations?.[0];
      const line = declaration === undefined ? 0 : file.getLineAndCharacterOfPosition(declaration.getStart()).line + 1;
      problems.push(`${rel}:${line} ${exported.name}`);
    }
  }
  for (const key of usedFromOutside) {
    if (!excused.has(key)) problems.push(`${key.replace('#', ' ')} is listed as an exception but is not an unused export: remove it from the list`);
  }
  return problems.sort();
}

const problems = unusedExports();
if (problems.length > 0) {
  console.error(`Exports that no other file imports (remove the export, or the code):\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log('unused exports: none');
}
