// Collects what the options reference documents, straight from the sources:
// options (the option interfaces and their doc comments), events (the
// BallastEvents map), admin routes ({ method, path } objects) and metrics
// ({ name: 'ballast_…', help } objects). Nothing here is written by hand.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

/** The published packages: every packages/<name>/src/index.ts except the private testkit. */
export function packageEntries(root) {
  return readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'testkit')
    .map((d) => ({ name: JSON.parse(readFileSync(join(root, 'packages', d.name, 'package.json'), 'utf8')).name, entry: join(root, 'packages', d.name, 'src', 'index.ts') }))
    .filter((p) => {
      try {
        readFileSync(p.entry);
        return true;
      } catch {
        return false;
      }
    });
}

export function createProgram(root, entries) {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  return ts.createProgram(entries, { ...config.options, noEmit: true });
}

const removeUndefined = (type) => (type.isUnion() ? { ...type, types: type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined)), isUnion: () => true } : type);

const doc = (checker, symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).replace(/\s*\n\s*/g, ' ').trim();

/**
 * Whether the options walk descends into `type`: an object declared in this repository
 * that is a group of settings (an inline `{ … }`, or a type named `…Options`, `…Input`,
 * `…Definition`, `…Config`), not a thing the user plugs in (a logger, a pool, a registry).
 */
function ownObject(type, root) {
  if (!(type.flags & ts.TypeFlags.Object)) return false;
  if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) return false;
  const symbol = type.aliasSymbol ?? type.getSymbol();
  const decl = symbol?.declarations?.[0];
  const file = decl?.getSourceFile().fileName ?? '';
  if (!file.startsWith(root) || file.includes('node_modules')) return false;
  return symbol.name === '__type' || symbol.name === '__object' || /(Options|Input|Definition|Config)$/.test(symbol.name);
}

/** Object types to descend into, with the path segment they add (`<name>` for a record's values). */
function children(checker, type, root) {
  const out = [];
  const members = type.isUnion() ? type.types : [type];
  for (const member of members) {
    if (member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) continue;
    const index = member.getStringIndexType?.();
    if (index !== undefined && member.getProperties().length === 0) {
      for (const [inner] of children(checker, index, root)) out.push([inner, '<name>.']);
      continue;
    }
    if (ownObject(member, root)) out.push([member, '']);
  }
  return out;
}

/**
 * Every option under `type`, depth first: path, type text, description, declaring file.
 * `seen` holds the types already documented under another path, so each is listed once.
 */
export function walkOptions(checker, type, prefix, root, seen, out = [], trail = new Set()) {
  for (const property of checker.getPropertiesOfType(type)) {
    const decl = property.valueDeclaration ?? property.declarations?.[0];
    if (decl === undefined) continue;
    const propertyType = checker.getTypeOfSymbolAtLocation(property, decl);
    const path = `${prefix}${property.name}`;
    // As written in the source where that is short (keeps `| null`, aliases); inline object types as one line.
    const written = decl.type !== undefined && !ts.isTypeLiteralNode(decl.type) && !ts.isUnionTypeNode(decl.type) ? decl.type.getText() : undefined;
    const unionText = decl.type !== undefined && ts.isUnionTypeNode(decl.type) && decl.type.types.every((t) => !ts.isTypeLiteralNode(t)) ? decl.type.getText() : undefined;
    // A named union of literals (`LimitScope`) reads better spelled out: `"local" | "fleet"`.
    const bare = removeUndefined(propertyType);
    const literals =
      bare.isUnion() && bare.types.some((t) => t.isLiteral()) && bare.types.every((t) => t.isLiteral() || t.flags & ts.TypeFlags.Null)
        ? bare.types.map((t) => checker.typeToString(t)).join(' | ')
        : undefined;
    const typeText = (literals ?? written ?? unionText ?? checker.typeToString(checker.getNonNullableType(propertyType), undefined, ts.TypeFormatFlags.NoTruncation)).replace(/\s+/g, ' ');
    const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
    out.push({ path, type: typeText, optional, description: doc(checker, property), where: `${relative(root, decl.getSourceFile().fileName)}:${decl.getSourceFile().getLineAndCharacterOfPosition(decl.getStart()).line + 1}` });
    // The property's own named type (`BrokerOptions`, a union) is documented here, not again as a root.
    const named = checker.getNonNullableType(propertyType);
    const alias = named.aliasSymbol?.name ?? named.getStringIndexType?.()?.aliasSymbol?.name;
    if (alias) seen.add(alias);
    for (const [child, segment] of children(checker, named, root)) {
      if (trail.has(child)) continue;
      const name = checker.typeToString(child);
      seen.add(name);
      walkOptions(checker, child, `${path}.${segment}`, root, seen, out, new Set([...trail, child]));
    }
  }
  return out;
}

/** The exported interfaces and type aliases of an entry, by name. */
export function exportsOf(checker, program, entry) {
  const file = program.getSourceFile(entry);
  const module = file && checker.getSymbolAtLocation(file);
  if (!module) return new Map();
  return new Map(
    checker.getExportsOfModule(module).map((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      return [s.name, target];
    }),
  );
}

export function typeOfSymbol(checker, symbol) {
  return checker.getDeclaredTypeOfSymbol(symbol);
}

/** `BallastEvents`: each event's name, payload type and description. */
export function walkEvents(checker, type, root) {
  return checker.getPropertiesOfType(type).map((property) => {
    const decl = property.valueDeclaration ?? property.declarations?.[0];
    const payload = checker.typeToString(checker.getTypeOfSymbolAtLocation(property, decl), undefined, ts.TypeFormatFlags.NoTruncation);
    return { name: property.name, payload, description: doc(checker, property), where: `${relative(root, decl.getSourceFile().fileName)}:${decl.getSourceFile().getLineAndCharacterOfPosition(decl.getStart()).line + 1}` };
  });
}

const literal = (node, name) => {
  const p = node.properties.find((x) => ts.isPropertyAssignment(x) && x.name.getText() === name);
  return p && ts.isStringLiteralLike(p.initializer) ? p.initializer.text : undefined;
};

/** Object literals in the packages' sources: admin routes `{ method, path }` and metric families `{ name: 'ballast_…', help, type }`. */
export function scanLiterals(program, root) {
  const routes = new Map();
  const metrics = new Map();
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(join(root, 'packages')) || file.fileName.includes('node_modules') || !file.fileName.includes('/src/')) continue;
    if (file.fileName.includes('/testkit/')) continue;
    const visit = (node) => {
      if (ts.isObjectLiteralExpression(node)) {
        const method = literal(node, 'method');
        const path = literal(node, 'path');
        if (method && METHODS.has(method) && path?.startsWith('/')) routes.set(`${method} ${path}`, { method, path, where: relative(root, file.fileName) });
        const name = literal(node, 'name');
        const help = literal(node, 'help');
        if (name?.startsWith('ballast_') && help !== undefined) metrics.set(name, { name, help, type: literal(node, 'type') ?? '', where: relative(root, file.fileName) });
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return { routes: [...routes.values()], metrics: [...metrics.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}
