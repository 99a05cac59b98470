// What the interpreter would refuse in a bundle, found before it runs:
// syntax beyond ES5 (parsed at ES5 level), built-ins Espruino lacks, and a
// function used before its declaration has run (Espruino does not hoist).
import * as acorn from 'acorn';

/** Globals Espruino does not have. */
const MISSING_GLOBALS = new Set([
  'Symbol', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'BigInt', 'Reflect', 'Proxy', 'Intl',
  'queueMicrotask', 'globalThis', 'structuredClone', 'Buffer', 'module', 'exports',
]);
/** Members of built-ins that Espruino lacks. */
const MISSING_MEMBERS = new Set([
  'Number.isInteger', 'Number.MAX_SAFE_INTEGER', 'Number.MIN_SAFE_INTEGER', 'Number.EPSILON',
  'Number.isSafeInteger', 'Math.trunc', 'Math.imul', 'Math.clz32', 'Math.sign', 'Math.log2', 'Math.log10',
  'Array.from', 'Array.of', 'Object.freeze', 'Object.seal', 'Object.fromEntries', 'Date.UTC',
]);
/** Methods of built-in values that Espruino lacks (2v29): calling one throws "Function not found". */
const MISSING_METHOD_NAMES = new Set(['toExponential', 'toPrecision', 'replaceAll', 'flatMap']);
/**
 * Regular-expression features Espruino's engine gets wrong (2v29): `[0-9]{1,4}` and `[1-9][0-9]?$`
 * do not match "8". A pattern with a {n,m} or ? quantifier is refused; write the check out.
 */
const UNSAFE_REGEX = /\{[0-9]*,?[0-9]*\}|[^\\(]\?/;
const BUILT_IN_CONSTRUCTORS = new Set(['Object', 'Array', 'String', 'Number', 'Boolean', 'Function', 'RegExp', 'Date', 'Error', 'Math']);

/** Globals only a module (a Storage file loaded with require) has. */
const MODULE_GLOBALS = new Set(['module', 'exports']);

/**
 * Returns a list of problems (empty when the code is fine). `options.module`: the code is a
 * Storage module run by require (it has exports and module).
 */
export function checkBundle(code, options = {}) {
  let ast;
  try {
    ast = acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' });
  } catch (error) {
    return ['not plain ES5: ' + error.message];
  }
  const problems = [];
  const declared = new Set();
  walk(ast, (node) => {
    if (node.type === 'VariableDeclarator' || node.type === 'FunctionDeclaration') declared.add((node.id || {}).name);
    if (node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration') {
      for (const param of node.params) declared.add(param.name);
    }
  });
  walk(ast, (node, parent) => {
    if (node.type === 'Identifier' && MISSING_GLOBALS.has(node.name) && !declared.has(node.name) && isReference(node, parent) &&
      !(options.module && MODULE_GLOBALS.has(node.name))) {
      problems.push(`uses ${node.name}, which Espruino lacks (offset ${node.start})`);
    }
    if (node.type === 'MemberExpression' && !node.computed && node.object.type === 'Identifier') {
      const name = node.object.name + '.' + node.property.name;
      if (MISSING_MEMBERS.has(name)) problems.push(`uses ${name}, which Espruino lacks (offset ${node.start})`);
      if (node.property.name === 'prototype' && BUILT_IN_CONSTRUCTORS.has(node.object.name) && !declared.has(node.object.name)) {
        problems.push(`reaches ${name}: built-in prototypes are unreachable on Espruino (offset ${node.start})`);
      }
    }
    if (node.type === 'MemberExpression' && !node.computed && MISSING_METHOD_NAMES.has(node.property.name)) {
      problems.push(`uses .${node.property.name}, which Espruino's built-ins lack (offset ${node.start})`);
    }
    if (node.type === 'Literal' && node.regex && UNSAFE_REGEX.test(node.regex.pattern)) {
      problems.push(`regular expression /${node.regex.pattern}/ uses a quantifier Espruino's engine gets wrong (offset ${node.start})`);
    }
    if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && !node.callee.computed &&
      node.callee.object.name === 'Math' && node.callee.property.name === 'pow' &&
      node.arguments[0]?.value === 2 && node.arguments[1]?.type === 'Literal' && node.arguments[1].value >= 31) {
      problems.push(`Math.pow(2, ${node.arguments[1].value}) is inexact on Espruino: write the literal (offset ${node.start})`);
    }
  });
  for (const problem of usesBeforeDeclaration(ast)) problems.push(problem);
  for (const problem of varsUsedBeforeDeclaration(ast)) problems.push(problem);
  return problems;
}

/**
 * Espruino does not hoist `var` either: a name a function declares with `var` is its own only
 * once that statement has run, and a use before it reaches the enclosing scope's variable of that
 * name (found on the device: terser's collapse_vars wrote `(D=r[c])…var D` in the sync manager,
 * and a module-level function was overwritten). So no use of a name before its `var` in the
 * same function (text order; a nested function's own names are its own).
 */
function varsUsedBeforeDeclaration(ast) {
  const problems = [];
  const functions = [];
  walk(ast, (node) => {
    if ((node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') && node.body) functions.push(node);
  });
  for (const fn of functions) {
    const params = new Set(fn.params.map((param) => param.name));
    const declaredAt = new Map();
    const uses = [];
    const inside = (node, parent) => !(parent && (node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration'));
    walk(fn.body, (node, parent) => {
      if (node.type === 'VariableDeclarator' && !declaredAt.has(node.id.name)) declaredAt.set(node.id.name, node.start);
      else if (node.type === 'Identifier' && isReference(node, parent) && !(parent && parent.type === 'VariableDeclarator' && parent.id === node)) uses.push(node);
    }, undefined, inside);
    for (const node of uses) {
      const at = declaredAt.get(node.name);
      if (at !== undefined && !params.has(node.name) && node.start < at) {
        problems.push(`uses ${node.name} before its var declaration runs; Espruino does not hoist var (offset ${node.start})`);
      }
    }
    for (const problem of conditionalVars(fn, params)) problems.push(problem);
  }
  return problems;
}

/**
 * The same, when the `var` comes first in the text but may not run: one inside a branch, a loop's
 * body or a case (`if (a) { for (var i = 0; …) } for (i = 0; …)`, as terser writes two loops
 * that share a name). A use outside every such branch reaches the enclosing scope's variable
 * whenever the branch did not run (found on the device: a module-level function overwritten
 * by a loop counter in the selection's code).
 */
function conditionalVars(fn, params) {
  const problems = [];
  // Each var declarator with the nearest node whose execution of it is conditional (null: none).
  const declarations = new Map();
  const uses = [];
  const visit = (node, parent, branch) => {
    if (!node || typeof node.type !== 'string') return;
    if (node !== fn.body && (node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration')) return;
    if (node.type === 'VariableDeclarator') {
      if (!declarations.has(node.id.name)) declarations.set(node.id.name, []);
      declarations.get(node.id.name).push({ start: node.start, branch });
      visit(node.init, node, branch);
      return;
    }
    if (node.type === 'Identifier' && isReference(node, parent)) uses.push({ node, branch });
    for (const key of Object.keys(node)) {
      const value = node[key];
      const conditional =
        (node.type === 'IfStatement' && (key === 'consequent' || key === 'alternate')) ||
        (node.type === 'ConditionalExpression' && (key === 'consequent' || key === 'alternate')) ||
        (node.type === 'LogicalExpression' && key === 'right') ||
        ((node.type === 'ForStatement' || node.type === 'WhileStatement') && (key === 'body' || key === 'test' || key === 'update')) ||
        ((node.type === 'ForInStatement' || node.type === 'ForOfStatement') && key === 'body') ||
        node.type === 'SwitchCase' || node.type === 'TryStatement' || node.type === 'CatchClause';
      const inner = conditional ? value : branch;
      if (Array.isArray(value)) for (const child of value) visit(child, node, conditional ? child : branch);
      else visit(value, node, inner);
    }
  };
  visit(fn.body, null, null);
  const contains = (outer, node) => outer === null || (node.start >= outer.start && node.end <= outer.end);
  for (const { node } of uses) {
    const declared = declarations.get(node.name);
    if (!declared || params.has(node.name)) continue;
    // Safe when a declaration before it runs whenever the use does.
    const safe = declared.some((d) => d.start <= node.start && contains(d.branch, node));
    if (!safe && declared.some((d) => d.start <= node.start)) {
      problems.push(`uses ${node.name} outside the branch whose var declares it; Espruino does not hoist var (offset ${node.start})`);
    }
  }
  return problems;
}

/**
 * Espruino creates a declared function only when execution reaches its declaration (seen in
 * 2v29: `var t = typeof g; function g() {}` leaves t "undefined"), where JavaScript hoists it.
 * So within one body, a statement before a function's declaration must not use that function
 * directly (a use inside a nested function runs later, and is allowed).
 */
function usesBeforeDeclaration(ast) {
  const problems = [];
  const bodies = [ast.body];
  walk(ast, (node) => {
    if ((node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') && node.body) bodies.push(node.body.body);
  });
  for (const body of bodies) {
    const declaredAt = new Map();
    body.forEach((statement, index) => {
      if (statement.type === 'FunctionDeclaration' && statement.id) declaredAt.set(statement.id.name, index);
    });
    if (declaredAt.size === 0) continue;
    body.forEach((statement, index) => {
      if (statement.type === 'FunctionDeclaration') return;
      // Not into nested functions: their bodies run later.
      walk(statement, (node, parent) => {
        if (node.type !== 'Identifier' || !declaredAt.has(node.name) || !isReference(node, parent)) return;
        if (declaredAt.get(node.name) > index) {
          problems.push(`uses function ${node.name} before its declaration runs; Espruino does not hoist (offset ${node.start})`);
        }
      }, undefined, (node, parent) => !(parent && (node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration')));
    });
  }
  return problems;
}

function isReference(node, parent) {
  if (!parent) return true;
  if (parent.type === 'MemberExpression' && parent.property === node && !parent.computed) return false;
  if (parent.type === 'Property' && parent.key === node && !parent.computed) return false;
  return true;
}

/** Visits `node` and its descendants; `enter(node, parent)`, when given, decides whether a node (and what is under it) is visited. */
function walk(node, visit, parent, enter) {
  if (enter && !enter(node, parent)) return;
  visit(node, parent);
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (Array.isArray(value)) {
      for (const child of value) if (child && typeof child.type === 'string') walk(child, visit, node, enter);
    } else if (value && typeof value.type === 'string') {
      walk(value, visit, node, enter);
    }
  }
}
