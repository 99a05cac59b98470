// What the interpreter would refuse in a bundle, found before it runs:
// syntax beyond ES5 (parsed at ES5 level), and built-ins Espruino lacks.
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
const BUILT_IN_CONSTRUCTORS = new Set(['Object', 'Array', 'String', 'Number', 'Boolean', 'Function', 'RegExp', 'Date', 'Error', 'Math']);

/** Returns a list of problems (empty when the bundle is fine). */
export function checkBundle(code) {
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
    if (node.type === 'Identifier' && MISSING_GLOBALS.has(node.name) && !declared.has(node.name) && isReference(node, parent)) {
      problems.push(`uses ${node.name}, which Espruino lacks (offset ${node.start})`);
    }
    if (node.type === 'MemberExpression' && !node.computed && node.object.type === 'Identifier') {
      const name = node.object.name + '.' + node.property.name;
      if (MISSING_MEMBERS.has(name)) problems.push(`uses ${name}, which Espruino lacks (offset ${node.start})`);
      if (node.property.name === 'prototype' && BUILT_IN_CONSTRUCTORS.has(node.object.name) && !declared.has(node.object.name)) {
        problems.push(`reaches ${name}: built-in prototypes are unreachable on Espruino (offset ${node.start})`);
      }
    }
    if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && !node.callee.computed &&
      node.callee.object.name === 'Math' && node.callee.property.name === 'pow' &&
      node.arguments[0]?.value === 2 && node.arguments[1]?.type === 'Literal' && node.arguments[1].value >= 31) {
      problems.push(`Math.pow(2, ${node.arguments[1].value}) is inexact on Espruino: write the literal (offset ${node.start})`);
    }
  });
  return problems;
}

function isReference(node, parent) {
  if (!parent) return true;
  if (parent.type === 'MemberExpression' && parent.property === node && !parent.computed) return false;
  if (parent.type === 'Property' && parent.key === node && !parent.computed) return false;
  return true;
}

function walk(node, visit, parent) {
  visit(node, parent);
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (Array.isArray(value)) {
      for (const child of value) if (child && typeof child.type === 'string') walk(child, visit, node);
    } else if (value && typeof value.type === 'string') {
      walk(value, visit, node);
    }
  }
}
