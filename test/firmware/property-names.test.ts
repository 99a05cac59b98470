// The bundle's property names are shortened (rollup.config.js, board/espruino/property-names.mjs).
// These checks make sure no shortened name can break the firmware: the analysis keeps the
// names it must (on small programs, one rule at a time); the built bundle still has every
// console command and configuration directive, every Espruino name the board code uses,
// and no shortened name that Espruino or JavaScript also uses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { analyse, countProperties, propertyMangling, quoteDataKeys } from '../../board/espruino/property-names.mjs';
import { createCrystal } from '../../board/virtual/crystal.mjs';
import { createSandbox } from '../../board/virtual/sandbox.mjs';
import { installFirmware } from '../../board/virtual/firmware.mjs';
import { commandNames } from '../unit/modules';
import { allCode, BOOT_PROGRAM, codeFiles } from './files';

const root = path.resolve(__dirname, '../..');
const bundle = allCode();
const bundleNames = new Map<string, number>();
for (const code of Object.values(codeFiles())) for (const [name, count] of countProperties(code)) bundleNames.set(name, (bundleNames.get(name) ?? 0) + count);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : []);
}

/** A program over in-memory files (plus the real ES5 lib), as the firmware's tsconfig compiles. */
function programOf(files: Record<string, string>): ts.Program {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES5, lib: ['lib.es5.d.ts'], module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler, strict: true, types: [], noEmit: false,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (name, language) =>
    files[name] !== undefined ? ts.createSourceFile(name, files[name], language, true) : getSourceFile(name, language);
  const fileExists = host.fileExists;
  host.fileExists = (name) => files[name] !== undefined || fileExists(name);
  const readFile = host.readFile;
  host.readFile = (name) => files[name] ?? readFile(name);
  const directoryExists = host.directoryExists;
  host.directoryExists = (name) => name.startsWith('/fixture') || (directoryExists ? directoryExists(name) : true);
  const program = ts.createProgram(Object.keys(files), options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (problems.length > 0) throw new Error('fixture does not compile: ' + problems.join('; '));
  return program;
}

const FIXTURE = {
  '/fixture/ext.d.ts': `
    interface ExtSocket { send(data: string): void; extName: number }
    declare function openSocket(): ExtSocket;
    declare function takeAny(options: any): void;
    declare function takeTyped(options: { extOption: boolean }): void;
    interface Sock { sockName: number }
    declare function openSock(): Sock;
    interface Info { infoName: string }
    declare function onPacket(handler: (info: Info) => void): void;
    interface Unreached { unreachedName: number }
    declare const anyFunction: any;
    declare const anyValue: any;`,
  '/fixture/src/core.ts': `
    import type * as demand from './demand';
    export interface Peer { extName: number; peerOnly: number }
    export interface State { count: number; label: string; hidden: number }
    export interface Platform { platformA: () => number }
    export const TABLE: { [name: string]: (s: State) => number } = {
      count: function (s) { return s.count + s.label.length; },
      shout: function (s) { return s.hidden; },
    };
    export function lookup(name: string, s: State) { return TABLE.hasOwnProperty(name) ? TABLE[name](s) : -1; }
    interface Walked { walkedA: number }
    export function walk(w: Walked) { let n = 0; for (const k in w) n += k.length; return n; }
    interface Indexed { indexedA: number }
    export function index(i: Indexed, key: keyof Indexed) { return i[key]; }
    interface Quoted { quotedA: number }
    export function quoted(q: Quoted) { return q['quotedA']; }
    interface Tested { testedA?: number }
    export function tested(x: Tested) { return 'testedA' in x; }
    interface Cast { castA: number }
    export function cast(v: unknown) { return (v as Cast).castA; }
    interface Copy { copyA: number }
    export function copy(c: Copy): Copy {
      const to = {} as { [key: string]: unknown };
      const from = c as unknown as { [key: string]: unknown };
      for (const key in from) if (from.hasOwnProperty(key)) to[key] = from[key];
      return to as unknown as Copy;
    }
    interface Viewed { viewedA: number }
    export function view(v: Viewed, key: string) { const t = v as unknown as { [key: string]: number }; return t[key]; }
    export function untyped(x: any) { return x.untypedA; }
    export function given() { takeAny({ givenA: 1 }); takeTyped({ extOption: true }); }
    export function socket() { const s = openSocket(); s.send('x'); return s.extName; }
    interface FromData { fromDataA: number }
    export function fromData(text: string): FromData {
      const table = {} as { [key: string]: number };
      table[text] = 1;
      return table as unknown as FromData;
    }
    interface Escaped { escapedA: number }
    export function escaped(e: Escaped, key: string) {
      const view = e as unknown as { [key: string]: unknown };
      return (view as any)[key];
    }
    interface ToAnything { toAnythingA: number }
    export function toAnything(t: ToAnything) { anyFunction(t); anyFunction({ literalA: 1 }); }
    interface Short { shortA: number }
    export function short(): { s: Short } { const s = anyValue; return { s }; }
    declare global { interface Window { ambientA: number } }
    interface MySock { sockName: number }
    export function flow(): MySock { return openSock(); }
    interface MyInfo { infoName: string }
    export function listen(handler: (info: MyInfo) => void) { onPacket(handler); }
    interface Mine { unreachedName: number }
    export function mine(m: Mine) { return m.unreachedName; }
    export interface Plain { plainA: number; plainB: { nestedA: number } }
    export function plain(p: Plain) { return p.plainA + p.plainB.nestedA; }
    export function onDemand(loaded: unknown, p: Plain) { return (loaded as typeof demand).demandRun({ demandA: 1 }, p); }`,
  '/fixture/src/demand.ts': `
    import type { Plain } from './core';
    export interface Demand { demandA: number }
    export function demandRun(d: Demand, p: Plain) { return d.demandA + p.plainA; }`,
  '/fixture/board/board.ts': `
    import type { Platform } from '../src/core';
    export const platform: Platform = { platformA: function () { return 1; } };
    export function onEvent(event: { boardA: number }) { return event.boardA; }
    export function wire(options: any) { return { rx: options }; }`,
};

describe('which names the analysis keeps', () => {
  const result = analyse(programOf(FIXTURE), '/fixture/src');
  const kept = new Set(result.reserved);
  const renamed = new Set(result.candidates);

  it('keeps the names of the .d.ts types the code reaches, and names declared in board code', () => {
    for (const name of ['length', 'hasOwnProperty', 'send', 'extName', 'extOption', 'boardA']) expect(kept, name).toContain(name);
    // Reached without being named: a value returned as one of our types, a callback's argument.
    for (const name of ['sockName', 'infoName']) expect(kept, name).toContain(name);
    // Declared in a .d.ts the code never reaches: ours to shorten, but never a short name.
    expect(renamed).toContain('unreachedName');
    expect(result.declaredOutside).toContain('unreachedName');
  });

  it('keeps names reached untyped or given to an untyped place', () => {
    for (const name of ['untypedA', 'givenA', 'castA', 'rx', 'toAnythingA', 'literalA', 'shortA', 'ambientA']) {
      expect(kept, name).toContain(name);
    }
  });

  it('keeps the names of objects reached by a string', () => {
    for (const name of ['walkedA', 'indexedA', 'quotedA', 'testedA', 'viewedA', 'fromDataA', 'escapedA']) expect(kept, name).toContain(name);
  });

  it('treats the keys of an index-signature table as data, apart from property names', () => {
    expect(result.dataKeys).toEqual(['count', 'shout']);
    expect(kept).not.toContain('shout');
    // `count` the key stays (quoted); `s.count` the property may still be shortened.
    expect(renamed).toContain('count');
  });

  it('shortens names only our code declares and reaches as obj.name', () => {
    // Also a module of ours loaded by name (an on-demand module: the build shortens all of them alike).
    for (const name of ['peerOnly', 'label', 'hidden', 'platformA', 'copyA', 'plainA', 'plainB', 'nestedA', 'demandRun', 'demandA']) {
      expect(renamed, name).toContain(name);
      expect(kept, name).not.toContain(name);
    }
  });

  it('writes data keys quoted, and nothing else', () => {
    const program = programOf(FIXTURE);
    const analysis = analyse(program, '/fixture/src');
    let emitted = '';
    program.emit(program.getSourceFile('/fixture/src/core.ts'), (_name, text) => (emitted = text), undefined, false,
      { before: [quoteDataKeys(analysis.isDataKey)] });
    expect(emitted).toMatch(/"count": function/);
    expect(emitted).toMatch(/"shout": function/);
    expect(emitted).toMatch(/s\.count \+ s\.label\.length/);
  });

  it('the build refuses a bundle with a property name the analysis did not see', () => {
    const mangling = propertyMangling('/fixture/src');
    mangling.transformers(programOf(FIXTURE));
    expect(() => mangling.prepare(['var o = {};', 'o.plainA = 1; o.somethingElse = 2;'])).toThrow(/somethingElse/);
    mangling.prepare(['var o = {}; o.plainA = o.label;', 'o.length = 1;']);
    expect(mangling.terserOptions.cache.props.$plainA).toMatch(/^[a-z]$/);
    expect(mangling.terserOptions.reserved).toContain('length');
  });
});

describe('the built bundle', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    while (cleanups.length) cleanups.pop()!();
  });

  /** Member names declared in a declaration file (what an outside object may be asked for). */
  function declaredMembers(file: string): Set<string> {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const names = new Set<string>();
    const visit = (node: ts.Node) => {
      const name = (node as ts.NamedDeclaration).name;
      if (name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) && !ts.isParameter(node) && !ts.isVariableDeclaration(node) &&
        !ts.isFunctionDeclaration(node) && !ts.isTypeParameterDeclaration(node)) names.add(name.text);
      ts.forEachChild(node, visit);
    };
    visit(source);
    return names;
  }

  /** Identifiers written anywhere in the firmware's TypeScript (src/ and board/espruino/). */
  function sourceIdentifiers(): Set<string> {
    const names = new Set<string>();
    const files = [...sourceFiles(path.join(root, 'board/espruino')), ...sourceFiles(path.join(root, 'src'))];
    for (const file of files) {
      const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, fs.readFileSync(file, 'utf8'));
      for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
        if (token === ts.SyntaxKind.Identifier || token === ts.SyntaxKind.StringLiteral) names.add(scanner.getTokenValue());
      }
    }
    return names;
  }

  it('has shortened names, none of them a name Espruino or JavaScript declares, nor a keyword', () => {
    const written = sourceIdentifiers();
    const shortened = [...bundleNames.keys()].filter((name) => !written.has(name));
    // The build's name map: over a hundred names shortened, each short name in the code.
    const map: Record<string, string> = JSON.parse(fs.readFileSync(path.join(root, 'firmware/ntp.names.json'), 'utf8'));
    expect(Object.keys(map).length).toBeGreaterThan(100);
    for (const long of Object.keys(map)) expect(bundleNames.has(map[long]), long + ' -> ' + map[long]).toBe(true);
    const outside = new Set([
      ...declaredMembers(path.join(root, 'node_modules/typescript/lib/lib.es5.d.ts')),
      ...declaredMembers(path.join(root, 'node_modules/@types/espruino/index.d.ts')),
      ...declaredMembers(path.join(root, 'board/espruino/espruino-extra.d.ts')),
    ]);
    const keywords = /^(do|if|in|for|let|new|try|var|int)$/;
    expect(shortened.filter((name) => outside.has(name) || keywords.test(name))).toEqual([]);
  });

  it('keeps every name the board code asks of Espruino', () => {
    // Names written in board/espruino/platform.ts and services.ts, apart from those src/ declares (the
    // Platform interface it implements, and what that hands back and forth).
    const declaredInSrc = new Set<string>();
    for (const file of sourceFiles(path.join(root, 'src'))) {
      const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if ((ts.isPropertySignature(node) || ts.isMethodSignature(node)) && ts.isIdentifier(node.name)) declaredInSrc.add(node.name.text);
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(declaredInSrc).toContain('udpBind');
    const asked = new Set<string>();
    const visit = (node: ts.Node) => {
      if (ts.isPropertyAccessExpression(node)) asked.add(node.name.text);
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name)) asked.add(node.name.text);
      ts.forEachChild(node, visit);
    };
    for (const name of ['platform.ts', 'services.ts']) {
      const file = path.join(root, 'board/espruino', name);
      visit(ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true));
    }
    const expected = [...asked].filter((name) => !declaredInSrc.has(name));
    for (const name of ['createSocket', 'addMembership', 'on', 'bind', 'setConsole', 'rx', 'edge', 'ntpConsole']) {
      expect(expected).toContain(name);
    }
    // Names src/ declares too: the socket the core gets back, what arrives with a datagram,
    // a pin edge's time.
    expected.push('send', 'close', 'address', 'port', 'time');
    expect(expected.filter((name) => !bundleNames.has(name))).toEqual([]);
  });

  it('still knows every console command and configuration directive', () => {
    // The directives, read from the source (config.ts does not export its table).
    const configFile = path.join(root, 'src/config/parse.ts');
    const config = ts.createSourceFile(configFile, fs.readFileSync(configFile, 'utf8'), ts.ScriptTarget.Latest, true);
    const directives: string[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === 'DIRECTIVES' &&
        node.initializer && ts.isObjectLiteralExpression(node.initializer)) {
        for (const member of node.initializer.properties) directives.push((member.name as ts.Identifier).text);
      }
      ts.forEachChild(node, visit);
    };
    visit(config);
    expect(directives).toContain('server');
    const commands = commandNames();
    expect(commands).toContain('sources');

    const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'names-'));
    let output = '';
    const errors: unknown[] = [];
    const box = createSandbox({
      crystal: createCrystal({ ppm: 0, trueNow: () => 1_800_000_000 }),
      console: { write: (text) => (output += text) },
      storageDir,
      ntpPort: 0,
      bindAddress: '127.0.0.1',
      log: () => undefined,
      onUncaught: (error) => errors.push(error),
    });
    cleanups.push(() => {
      box.close();
      fs.rmSync(storageDir, { recursive: true, force: true });
    });
    // Each directive alone on a line: most are missing arguments, but none may be unknown.
    fs.writeFileSync(path.join(storageDir, 'ntp%2Econf'), directives.join('\n') + '\n');
    box.load(installFirmware(storageDir, BOOT_PROGRAM), 'ntp.js');
    expect(output).toMatch(/ntp\.conf:1: /);
    expect(output).not.toMatch(/unknown directive/);
    // Each command with too many arguments: invalid, but never unrecognised.
    // Each line runs in an event after the line editor's (app.ts): run it before the next is typed.
    for (const name of commands) {
      box.consoleInput(name + ' x x x x x x x x x\r');
      box.runDueTimers();
    }
    box.consoleInput('\x03nosuchcommand\r');
    box.runDueTimers();
    for (const name of commands) expect(output, name).not.toContain('Unrecognized command: ' + name);
    expect(output).toContain('Invalid syntax for help');
    expect(output).toContain('Unrecognized command: nosuchcommand');
    expect(errors).toEqual([]);
  });
});
