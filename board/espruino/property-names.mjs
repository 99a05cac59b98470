// Short property names for the firmware bundle, decided from the TypeScript program
// itself, so that no list of names has to be kept by hand.
//
// Terser's property mangler renames by name: a name is shortened everywhere or nowhere.
// A name is kept (reserved) when anything in the firmware's program says it may be
// seen from outside our code:
//   - it belongs to something outside src/: a member of any type from a .d.ts (JavaScript's
//     built-ins, @types/espruino, espruino-extra.d.ts) that the firmware reaches, i.e. the
//     type of a value or name in our code, or of what it holds, or what a callback of ours
//     is handed; a name declared in board/ (`event.time`, `global.ntpConsole`); a `declare`
//     in src/. (Short names are never ones any .d.ts declares, reached or not.)
//   - a use of it does not resolve to a declaration in src/: an `any` value, an object
//     literal given to an `any` parameter (Serial's `{rx, tx}`), a non-const enum;
//   - it is reached by a string: a quoted key (outside data tables), obj['x'], 'x' in obj,
//     hasOwnProperty('x'); and when one of our objects is indexed by a computed string,
//     walked by for-in, Object.keys/values/entries or JSON, or tested with hasOwnProperty
//     of a variable, all the names of its type are kept;
//   - a value crosses between one of our types and `any`/`unknown` (a cast, an argument,
//     a return, an assignment, an untyped function's argument), between one of our types
//     and an outside one by a cast, or between one of our types and an index-signature
//     type by a cast (except a key-by-key copy): all the names of our type are kept.
//     (A typed outside value that fits one of our types needs no rule: the names it
//     shares with our type are members of a type the firmware reaches, so they are kept.)
//     Not a crossing: a cast to one of our own modules' types (`x as typeof mode6`), the
//     on-demand modules loaded by name (src/modules.ts): the same build shortens their names
//     and the core's alike.
// Keys of object literals typed with an index signature ({[name: string]: T}) are data
// (console commands, configuration directives: looked up by what a user types). They are
// not reserved: the TypeScript transformer below writes them quoted, and terser
// (keep_quoted: 'strict') leaves quoted keys alone, so `'config'` the command and
// `app.config` the property do not hold each other back.
// Everything else is declared in src/ and only ever reached as `obj.name`: shortened.
// The rollup plugin at the end refuses to build a bundle holding a property name this
// analysis did not decide on.
import path from 'node:path';
import * as acorn from 'acorn';
import ts from 'typescript';

/** Words that must not become property names (ES5 keywords, ES3/strict future words). */
const KEYWORDS = new Set((
  'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
  'function if implements import in instanceof interface let new null package private protected public return ' +
  'static super switch this throw true try typeof var void while with yield abstract boolean byte char double ' +
  'final float goto int long native short synchronized throws transient volatile await arguments eval undefined NaN Infinity'
).split(' '));

/**
 * Analyses a program. `ourDir`: declarations in .ts files under it may be shortened.
 * Returns { reserved, candidates, dataKeys, reasons, isDataKey }:
 *   reserved: names to keep; candidates: the other names our declarations use;
 *   dataKeys: keys of index-signature tables; reasons: name → why kept (first places);
 *   isDataKey(member): whether an object literal member is a data key (for the transformer).
 */
export function analyse(program, ourDir) {
  const checker = program.getTypeChecker();
  const reasons = new Map();
  const candidates = new Set();
  const dataKeys = new Set();
  const declaredOutside = new Set();
  const touched = new Set();
  const ourRoot = path.resolve(ourDir) + path.sep;

  const isOurFile = (file) => !file.isDeclarationFile && path.resolve(file.fileName).startsWith(ourRoot);
  // A `declare` in src/ describes something outside.
  const isOurDeclaration = (declaration) => isOurFile(declaration.getSourceFile()) && !(declaration.flags & ts.NodeFlags.Ambient);

  function where(node) {
    const file = node.getSourceFile();
    const { line } = file.getLineAndCharacterOfPosition(node.getStart());
    return path.relative(process.cwd(), file.fileName) + ':' + (line + 1);
  }

  function reserve(name, why, node) {
    if (!reasons.has(name)) reasons.set(name, []);
    const list = reasons.get(name);
    if (list.length < 3) list.push(why + (node ? ' (' + where(node) + ')' : ''));
  }

  /** A property symbol is ours when every declaration of it is in src/ (and not a non-const enum's member). */
  function isOurSymbol(symbol) {
    const declarations = symbol && symbol.declarations;
    return !!declarations && declarations.length > 0 && declarations.every(isOurDeclaration) &&
      !declarations.some(isRuntimeEnumMember);
  }
  const isRuntimeEnumMember = (declaration) => ts.isEnumMember(declaration) &&
    !(ts.getCombinedModifierFlags(declaration.parent) & ts.ModifierFlags.Const);

  const isAnyLike = (type) => (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
  const hasStringIndex = (type) =>
    !!checker.getIndexInfoOfType(type, ts.IndexKind.String) ||
    (type.isUnionOrIntersection() && type.types.some(hasStringIndex));
  const isNumberLike = (type) => (type.flags & ts.TypeFlags.NumberLike) !== 0 ||
    (type.isUnion() && type.types.every(isNumberLike));
  /** A type declared outside src/ (built-in, Espruino, board/), or untyped. */
  function isOutside(type) {
    if (isAnyLike(type)) return true;
    if (type.isUnionOrIntersection()) return type.types.some(isOutside);
    const symbol = type.aliasSymbol || type.getSymbol();
    if (!symbol) return false;
    // A type without declarations (typeof globalThis) is not ours.
    const declarations = symbol.declarations || [];
    return declarations.length === 0 || !declarations.every(isOurDeclaration);
  }

  /** The namespace type of one of our source files (`typeof import('./x')`). */
  function isOurModule(type) {
    const symbol = type.getSymbol();
    const declarations = (symbol && symbol.declarations) || [];
    return !!symbol && (symbol.flags & ts.SymbolFlags.ValueModule) !== 0 && declarations.length > 0 &&
      declarations.every((declaration) => ts.isSourceFile(declaration) && isOurFile(declaration));
  }

  /** Declared in .d.ts files only: a built-in or an Espruino API, with nothing of ours inside. */
  const isLibrary = (declarations) => !!declarations && declarations.length > 0 &&
    declarations.every((declaration) => declaration.getSourceFile().isDeclarationFile);

  /**
   * Keeps every name of a type, and of the types inside it (properties, parameters,
   * results, elements) down to where .d.ts declarations take over.
   */
  function reserveTypeNames(type, why, node, seen = new Set(), depth = 0) {
    if (!type || seen.has(type) || (type.flags & ts.TypeFlags.Primitive)) return;
    if (depth > 20) throw new Error('property-names: a type nests too deep to list its names (' + why + ' at ' + where(node) + ')');
    seen.add(type);
    if (type.isUnionOrIntersection()) {
      for (const part of type.types) reserveTypeNames(part, why, node, seen, depth + 1);
      return;
    }
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      for (const argument of checker.getTypeArguments(type)) reserveTypeNames(argument, why, node, seen, depth + 1);
      return;
    }
    for (const property of checker.getPropertiesOfType(type)) {
      reserve(property.getName(), why, node);
      if (isLibrary(property.declarations)) continue;
      const declaration = property.valueDeclaration || (property.declarations || [])[0];
      if (declaration) reserveTypeNames(checker.getTypeOfSymbolAtLocation(property, declaration), why, node, seen, depth + 1);
    }
    for (const signature of type.getCallSignatures()) {
      if (signature.declaration && isLibrary([signature.declaration])) continue;
      for (const parameter of signature.getParameters()) {
        const declaration = parameter.valueDeclaration;
        if (declaration) reserveTypeNames(checker.getTypeOfSymbolAtLocation(parameter, declaration), why, node, seen, depth + 1);
      }
      reserveTypeNames(signature.getReturnType(), why, node, seen, depth + 1);
    }
  }

  /** The expression under any casts and parentheses. */
  function innermost(expression) {
    while (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression) ||
      ts.isTypeAssertionExpression(expression) || ts.isNonNullExpression(expression)) {
      expression = expression.expression;
    }
    return expression;
  }

  function literalName(name) {
    if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) ||
      ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
    return undefined;
  }

  const isLiteralMember = (node) => !!node.parent && ts.isObjectLiteralExpression(node.parent) &&
    (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node) || ts.isMethodDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node));

  /** How an object literal's key is used: 'data' (index-signature table), 'ours', or a reason to keep it. */
  function judgeKey(member) {
    const literal = member.parent;
    const name = literalName(member.name);
    const contextual = checker.getContextualType(literal);
    if (!contextual) {
      // A literal of no declared type: in src/ it is ours; in board/ it goes to Espruino.
      return isOurFile(literal.getSourceFile()) ? 'ours' : 'key of an untyped object in board code';
    }
    if (isAnyLike(contextual)) return 'key of an object given to an untyped place';
    const parts = contextual.isUnion() ? contextual.types : [contextual];
    const targets = parts.map((part) => checker.getPropertyOfType(checker.getApparentType(part), name)).filter(Boolean);
    if (targets.length === 0) return parts.some(hasStringIndex) ? 'data' : 'ours';
    return targets.every(isOurSymbol) ? 'ours' : 'key of an object typed outside src';
  }

  function isDataKey(member) {
    return isLiteralMember(member) && member.name !== undefined && literalName(member.name) !== undefined &&
      judgeKey(member) === 'data';
  }

  // 1. Every name declared in board/ is kept; names declared in .d.ts files are noted
  //    (never handed out as short names; kept when the firmware reaches them, step 2);
  //    every other member name declared in src/ is a candidate.
  for (const file of program.getSourceFiles()) {
    const ours = isOurFile(file);
    const visit = (node) => {
      if ((ts.isPropertySignature(node) || ts.isMethodSignature(node) || ts.isPropertyDeclaration(node) ||
        ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node) ||
        ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node) || ts.isEnumMember(node)) && node.name) {
        const name = literalName(node.name);
        // Object literal keys outside src/ are judged where they stand (step 2): the
        // board's Platform object implements our interface and so takes our names.
        if (name !== undefined && !(isLiteralMember(node) && !ours)) {
          if (file.isDeclarationFile) declaredOutside.add(name);
          else if (!ours) reserve(name, 'declared in board code', node);
          else if (!isOurDeclaration(node)) reserve(name, 'declared with declare', node);
          else if (isRuntimeEnumMember(node)) reserve(name, 'member of a non-const enum', node);
          else if (!isLiteralMember(node) || !isDataKey(node)) candidates.add(name);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }

  // A module's exports are properties too once the firmware is split into Storage modules
  // (`exports.name = …` in one, `module.name(…)` in another): ours may be shortened alike.
  // (The board's modules too: the boot program reaches the core's createPlatform and start.)
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile || file.fileName.includes('node_modules')) continue;
    const moduleSymbol = checker.getSymbolAtLocation(file);
    if (!moduleSymbol) continue;
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      // Types vanish from the output; only values become properties.
      if (target.flags & ts.SymbolFlags.Value) candidates.add(exported.getName());
    }
  }

  // The ES5 downlevel of a loop whose body returns from a closure: `return { value: x }`.
  reserve('value', 'written by the TypeScript compiler (a loop body that returns)');

  // 2. Every use in the firmware's own code (src/ and board/).
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile) continue;
    const visit = (node) => {
      check(node);
      ts.forEachChild(node, visit);
    };
    visit(file);
  }

  // Types from .d.ts files that the firmware reaches: the type of any expression or name
  // in our code, or the type expected there (a callback's parameters are what Espruino
  // hands us). All their member names are kept, and those of the objects they hold.
  // An object from outside can only reach our code as such a value, so a src/ type it is
  // stored in shares only kept names with it (TypeScript checks the shapes match).
  function touch(type) {
    if (!type || touched.has(type)) return;
    touched.add(type);
    if (type.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike)) {
      touch(checker.getApparentType(type));
      return;
    }
    if (type.isUnionOrIntersection()) {
      for (const part of type.types) touch(part);
      return;
    }
    if (!(type.flags & ts.TypeFlags.Object)) return;
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      for (const argument of checker.getTypeArguments(type)) touch(argument);
    }
    const symbol = type.aliasSymbol || type.getSymbol();
    if (symbol && isLibrary(symbol.declarations)) {
      for (const property of checker.getPropertiesOfType(type)) {
        reserve(property.getName(), 'a member of ' + symbol.getName() + ' (' + path.basename(symbol.declarations[0].getSourceFile().fileName) + '), which the firmware reaches');
        const declaration = property.valueDeclaration || (property.declarations || [])[0];
        if (!declaration) continue;
        // Objects it holds, not what its methods take or give (a call is an expression of its own).
        const propertyType = checker.getTypeOfSymbolAtLocation(property, declaration);
        if (propertyType.getCallSignatures().length === 0) touch(propertyType);
      }
    }
    for (const signature of type.getCallSignatures().concat(type.getConstructSignatures())) {
      for (const parameter of signature.getParameters()) {
        if (parameter.valueDeclaration) touch(checker.getTypeOfSymbolAtLocation(parameter, parameter.valueDeclaration));
      }
      touch(signature.getReturnType());
    }
  }

  function check(node) {
    if (ts.isIdentifier(node) || ts.isExpression(node)) {
      touch(checker.getTypeAtLocation(node));
      if (ts.isExpression(node)) touch(checker.getContextualType(node));
    }
    // obj.name: kept unless it resolves to one of our declarations.
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.name)) {
      const symbol = checker.getSymbolAtLocation(node.name);
      if (!isOurSymbol(symbol)) reserve(node.name.text, symbol ? 'not declared in src' : 'untyped access', node);
    }
    // const { name } = obj
    if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
      const key = node.propertyName || node.name;
      const name = key && literalName(key);
      if (name !== undefined) {
        const property = checker.getPropertyOfType(checker.getTypeAtLocation(node.parent), name);
        if (!isOurSymbol(property)) reserve(name, 'destructured from an outside or untyped value', node);
      }
    }
    // { name: value }
    if (isLiteralMember(node) && node.name) {
      const name = literalName(node.name);
      if (name !== undefined) {
        const judgement = judgeKey(node);
        if (judgement === 'data') dataKeys.add(name);
        else if (!ts.isIdentifier(node.name)) reserve(name, 'quoted key', node);
        else if (judgement !== 'ours') reserve(name, judgement, node);
      }
    }
    // obj['name'], obj[key]
    if (ts.isElementAccessExpression(node)) {
      const argument = node.argumentExpression;
      if (ts.isStringLiteralLike(argument)) {
        reserve(argument.text, "looked up as ['" + argument.text + "']", node);
      } else if (!isNumberLike(checker.getTypeAtLocation(argument))) {
        const objectType = checker.getTypeAtLocation(node.expression);
        if (!hasStringIndex(objectType)) reserveTypeNames(objectType, 'object indexed by a computed name', node);
      }
    }
    // 'name' in obj
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.InKeyword) {
      if (ts.isStringLiteralLike(node.left)) reserve(node.left.text, "tested with 'in'", node);
      else if (!hasStringIndex(checker.getTypeAtLocation(node.right))) {
        reserveTypeNames(checker.getTypeAtLocation(node.right), "tested with 'in'", node);
      }
    }
    // for (key in obj)
    if (ts.isForInStatement(node)) {
      const objectType = checker.getTypeAtLocation(node.expression);
      if (!hasStringIndex(objectType)) reserveTypeNames(objectType, 'walked by for-in', node);
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const calleeName = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
      // x.hasOwnProperty('name'), Object.defineProperty(x, 'name', ...)
      if (['hasOwnProperty', 'propertyIsEnumerable', 'defineProperty', 'getOwnPropertyDescriptor'].includes(calleeName)) {
        for (const argument of node.arguments) {
          if (ts.isStringLiteralLike(argument)) reserve(argument.text, calleeName + "('" + argument.text + "')", node);
        }
        // table.hasOwnProperty(key) on one of our types: its names are data.
        if (calleeName === 'hasOwnProperty' && ts.isPropertyAccessExpression(callee) && node.arguments.length === 1 &&
          !ts.isStringLiteralLike(node.arguments[0])) {
          const objectType = checker.getTypeAtLocation(callee.expression);
          if (!hasStringIndex(objectType)) reserveTypeNames(objectType, 'hasOwnProperty of a computed name', node);
        }
      }
      // Object.keys(x), JSON.stringify(x), ...: every name of x's type is data.
      const owner = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) ? callee.expression.text : '';
      if ((owner === 'Object' && ['keys', 'values', 'entries', 'getOwnPropertyNames', 'assign', 'create'].includes(calleeName)) ||
        (owner === 'JSON')) {
        for (const argument of node.arguments) {
          const type = checker.getTypeAtLocation(argument);
          if (!hasStringIndex(type)) reserveTypeNames(type, owner + '.' + calleeName, node);
        }
        if (owner === 'JSON') reserveTypeNames(checker.getContextualType(node), 'JSON.' + calleeName, node);
      }
    }
    // f(x) where f is untyped: x goes who knows where.
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && isAnyLike(checker.getTypeAtLocation(node.expression))) {
      for (const argument of node.arguments || []) reserveTypeNames(checker.getTypeAtLocation(argument), 'given to an untyped function', argument);
    }
    // { name } takes the value of a variable: as { name: name }.
    if (ts.isShorthandPropertyAssignment(node)) {
      const value = checker.getShorthandAssignmentValueSymbol(node);
      const contextual = checker.getContextualType(node.parent);
      const target = contextual && checker.getPropertyOfType(checker.getApparentType(contextual), node.name.text);
      if (value && target) {
        crossing(checker.getTypeOfSymbolAtLocation(value, node), checker.getTypeOfSymbolAtLocation(target, node), 'passed', node);
      }
    }
    // A value crossing between one of our types and an untyped or outside one.
    if ((ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && !isCastOperand(node)) {
      // A chain of casts (x as unknown as T) is one crossing, from x's type to T.
      crossing(checker.getTypeAtLocation(innermost(node.expression)), checker.getTypeAtLocation(node), 'cast', node);
    } else if (isValuePosition(node)) {
      const contextual = checker.getContextualType(node);
      if (contextual) crossing(checker.getTypeAtLocation(node), contextual, 'passed', node);
    }
  }

  function crossing(from, to, how, node) {
    if (!from || !to) return;
    // One of our modules, loaded by name (an on-demand module): built with the same names.
    if (how === 'cast' && isOurModule(to)) return;
    // Only untyped values can cross unseen: a typed outside value that fits one of our
    // types is a value of a type the firmware reaches, whose names are kept (touch).
    if (isAnyLike(from) && !isAnyLike(to)) reserveTypeNames(to, how + ' from an untyped value', node);
    else if (isAnyLike(to) && !isAnyLike(from)) reserveTypeNames(from, how + ' to an untyped place', node);
    else if (how === 'cast' && isOutside(from) !== isOutside(to)) reserveTypeNames(isOutside(from) ? to : from, 'cast between an outside type and ours', node);
    // Viewed as a table ({[key: string]: T}) an object's names are data, and an object
    // made from a table has data for names: both keep the names of our type, unless the
    // table only copies names one of our objects has (see isCopyTable).
    else if (how === 'cast' && hasStringIndex(to) && !hasStringIndex(from)) {
      if (!(ts.isVariableDeclaration(node.parent) && node.parent.initializer === node && isCopyTable(node.parent))) {
        reserveTypeNames(from, 'cast to an index-signature type', node);
      }
    } else if (how === 'cast' && hasStringIndex(from) && !hasStringIndex(to)) {
      const table = tableDeclaration(innermost(node.expression));
      if (!table || !isCopyTable(table)) reserveTypeNames(to, 'cast from an index-signature type', node);
    }
  }

  // An index-signature view that only ever copies the names of one of our objects, as in
  //   const from = options as unknown as { [key: string]: unknown };
  //   const copy = {} as { [key: string]: unknown };
  //   for (const key in from) if (from.hasOwnProperty(key)) copy[key] = from[key];
  //   return copy as unknown as ServerOptions;
  // is harmless: its keys are whatever names the object has, shortened or not.

  /** The declaration of `const t = <cast to a table>` that an identifier names, if it is one. */
  function tableDeclaration(expression) {
    if (!ts.isIdentifier(expression)) return null;
    const symbol = checker.getSymbolAtLocation(expression);
    const declaration = symbol && symbol.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name) || !declaration.initializer ||
      !(declaration.parent.flags & ts.NodeFlags.Const)) return null;
    const initializer = declaration.initializer;
    if (!(ts.isAsExpression(initializer) || ts.isTypeAssertionExpression(initializer))) return null;
    if (!hasStringIndex(checker.getTypeAtLocation(initializer))) return null;
    // Made from an empty object, or from one of our objects (not from outside data).
    const source = innermost(initializer);
    const sourceType = checker.getTypeAtLocation(source);
    const empty = ts.isObjectLiteralExpression(source) && source.properties.length === 0;
    return empty || (!isOutside(sourceType) && !hasStringIndex(sourceType)) ? declaration : null;
  }

  /** The key of `for (const k in t)` over such a table. */
  function isCopyKey(expression) {
    if (!ts.isIdentifier(expression)) return false;
    const symbol = checker.getSymbolAtLocation(expression);
    const declaration = symbol && symbol.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !(declaration.parent.flags & ts.NodeFlags.Const)) return false;
    const loop = declaration.parent.parent;
    return ts.isForInStatement(loop) && loop.initializer === declaration.parent && !!tableDeclaration(innermost(loop.expression));
  }

  /** The type a cast chain ends in: (x as unknown as T) → T. */
  function castTarget(cast) {
    while (isCastOperand(cast)) {
      cast = cast.parent;
      while (!(ts.isAsExpression(cast) || ts.isTypeAssertionExpression(cast))) cast = cast.parent;
    }
    return checker.getTypeAtLocation(cast);
  }
  function isNamedType(type) {
    return !isAnyLike(type) && !hasStringIndex(type);
  }

  /** Whether every use of the table is: walked by for-in, read or written at a copy key, hasOwnProperty(copy key), or cast to a named type. */
  function isCopyTable(declaration) {
    const table = checker.getSymbolAtLocation(declaration.name);
    let ok = true;
    const visit = (node) => {
      if (node !== declaration.name && ts.isIdentifier(node) && checker.getSymbolAtLocation(node) === table) {
        const parent = node.parent;
        ok = ok && ((ts.isForInStatement(parent) && parent.expression === node) ||
          (ts.isElementAccessExpression(parent) && parent.expression === node && isCopyKey(parent.argumentExpression)) ||
          (ts.isPropertyAccessExpression(parent) && parent.expression === node && parent.name.text === 'hasOwnProperty' &&
            ts.isCallExpression(parent.parent) && parent.parent.arguments.length === 1 && isCopyKey(parent.parent.arguments[0])) ||
          ((ts.isAsExpression(parent) || ts.isTypeAssertionExpression(parent)) && isNamedType(castTarget(parent))));
      }
      ts.forEachChild(node, visit);
    };
    // const is block scoped: its uses are inside the block that declares it.
    visit(declaration.parent.parent.parent);
    return ok;
  }

  /** The inner cast of a chain such as (x as unknown) as T. */
  function isCastOperand(node) {
    let parent = node.parent;
    while (parent && (ts.isParenthesizedExpression(parent) || ts.isNonNullExpression(parent))) parent = parent.parent;
    return !!parent && (ts.isAsExpression(parent) || ts.isTypeAssertionExpression(parent));
  }

  /** Argument, initializer, return value, assigned value, property value or element: where a contextual type applies. */
  function isValuePosition(node) {
    const parent = node.parent;
    if (!parent || !ts.isExpression(node) || ts.isObjectLiteralExpression(node)) return false;
    if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.arguments && parent.arguments.includes(node)) return true;
    if (ts.isVariableDeclaration(parent) && parent.initializer === node) return true;
    if (ts.isReturnStatement(parent)) return true;
    if (ts.isArrowFunction(parent) && parent.body === node) return true;
    if (ts.isBinaryExpression(parent) && parent.right === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) return true;
    if (ts.isPropertyAssignment(parent) && parent.initializer === node) return true;
    if (ts.isArrayLiteralExpression(parent)) return true;
    return false;
  }

  return {
    reserved: [...reasons.keys()].sort(),
    candidates: [...candidates].filter((name) => !reasons.has(name)).sort(),
    dataKeys: [...dataKeys].sort(),
    declaredOutside: [...declaredOutside].sort(),
    reasons,
    isDataKey,
  };
}

/** A TypeScript transformer writing data keys quoted: { help: … } → { "help": … }. */
export function quoteDataKeys(isDataKey) {
  return (context) => {
    const factory = context.factory;
    const visit = (node) => {
      if (ts.isObjectLiteralExpression(node) && node.properties.some((member) => ts.isIdentifier(member.name) && isDataKey(member))) {
        const members = node.properties.map((member) => {
          if (!member.name || !ts.isIdentifier(member.name) || !isDataKey(member)) return member;
          const key = factory.createStringLiteral(member.name.text);
          if (ts.isPropertyAssignment(member)) return factory.updatePropertyAssignment(member, key, member.initializer);
          if (ts.isShorthandPropertyAssignment(member)) return factory.createPropertyAssignment(key, factory.createIdentifier(member.name.text));
          if (ts.isMethodDeclaration(member)) {
            return factory.updateMethodDeclaration(member, member.modifiers, member.asteriskToken, key, member.questionToken,
              member.typeParameters, member.parameters, member.type, member.body);
          }
          throw new Error('cannot quote the data key ' + member.name.text + ' (an accessor?)');
        });
        node = factory.updateObjectLiteralExpression(node, members);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (file) => ts.visitNode(file, visit);
  };
}

/** Shortest names first: a-z A-Z $ _, then two characters, … never a keyword or a kept name. */
function* shortNames(avoid) {
  const first = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$_';
  const rest = first + '0123456789';
  for (let length = 1; ; length++) {
    const counter = new Array(length).fill(0);
    for (;;) {
      let name = first[counter[0]];
      for (let i = 1; i < length; i++) name += rest[counter[i]];
      if (!KEYWORDS.has(name) && !avoid.has(name)) yield name;
      let i = length - 1;
      while (i >= 0 && ++counter[i] === (i === 0 ? first.length : rest.length)) counter[i--] = 0;
      if (i < 0) break;
    }
  }
}

/**
 * The rollup side. Use:
 *   const names = propertyMangling('src');
 *   typescript({ …, transformers: names.transformers })      // analyses the program, quotes data keys
 *   then, with every chunk's code: names.prepare(codes), and terser with
 *   mangle: { properties: names.terserOptions } on each chunk.
 * prepare refuses a property name the analysis does not know, and hands terser a cache
 * giving the most used names the shortest replacements. mapText() is the name map
 * (long name → short name), for reading errors from a board.
 */
export function propertyMangling(ourDir) {
  let result = null;
  const names = new Map();
  const reserved = [];
  const cache = { props: {} };
  return {
    get result() {
      return result;
    },
    names,
    transformers(program) {
      result = analyse(program, ourDir);
      return { before: [quoteDataKeys(result.isDataKey)] };
    },
    terserOptions: { keep_quoted: 'strict', builtins: true, reserved, cache },
    /**
     * Decides the short names for every chunk of one build at once (each chunk is minified
     * separately, and a name must become the same thing in all of them): refuses a property
     * name the analysis does not know, and fills terser's options in place.
     */
    prepare(codes) {
      if (!result) throw new Error('property-names: the TypeScript analysis did not run');
      const keep = new Set(result.reserved);
      const mayRename = new Set(result.candidates);
      const counts = new Map();
      for (const code of codes) {
        for (const [name, count] of countProperties(code)) counts.set(name, (counts.get(name) || 0) + count);
      }
      // rollup renames a chunk's export when two of its modules export the same name (decode$1).
      for (const name of counts.keys()) {
        const deconflicted = /^(.+)\$\d+$/.exec(name);
        if (deconflicted && (mayRename.has(deconflicted[1]) || keep.has(deconflicted[1]))) mayRename.add(name);
      }
      const unknown = [...counts.keys()].filter((name) => !keep.has(name) && !mayRename.has(name));
      if (unknown.length > 0) {
        throw new Error('property-names: the bundle uses property names the analysis did not see: ' + unknown.join(', '));
      }
      const renamed = [...counts.keys()].filter((name) => mayRename.has(name))
        .sort((a, b) => counts.get(b) - counts.get(a) || (a < b ? -1 : 1));
      // Never hand out a name that is kept, used in the bundle, a data key, or one any .d.ts declares.
      const short = shortNames(new Set([...keep, ...counts.keys(), ...result.dataKeys, ...result.declaredOutside]));
      reserved.length = 0;
      reserved.push(...keep);
      names.clear();
      for (const key of Object.keys(cache.props)) delete cache.props[key];
      for (const name of renamed) {
        names.set(name, short.next().value);
        cache.props['$' + name] = names.get(name);
      }
    },
    /** long name → short name, to read errors reported by a board. */
    mapText() {
      return JSON.stringify(Object.fromEntries(names), null, 1) + '\n';
    },
  };
}

/** How often each unquoted property name appears in `obj.name` and `{ name: … }`. */
export function countProperties(code) {
  const counts = new Map();
  const add = (name) => counts.set(name, (counts.get(name) || 0) + 1);
  const walk = (node) => {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'MemberExpression' && !node.computed) add(node.property.name);
    if (node.type === 'Property' && !node.computed && node.key.type === 'Identifier') add(node.key.name);
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value.type === 'string') walk(value);
    }
  };
  walk(acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' }));
  return counts;
}
