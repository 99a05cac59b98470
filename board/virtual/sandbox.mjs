// The Espruino sandbox: a vm context that offers only what the interpreter
// offers (shared/espruino-platform.md), with its quirks made strict so that
// code which would fail on the device fails here too.
import nodeCrypto from 'node:crypto';
import dns from 'node:dns';
import vm from 'node:vm';
import { createDgram } from './dgram.mjs';
import { createHttp } from './http.mjs';
import { createStorage } from './storage.mjs';
import { createWifi } from './wifi.mjs';

/** Built-ins the interpreter does not have: removed from the context. */
const MISSING_GLOBALS = [
  'Symbol', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'BigInt',
  'BigInt64Array', 'BigUint64Array', 'Reflect', 'Proxy', 'Intl', 'WebAssembly', 'SharedArrayBuffer',
  'Atomics', 'AggregateError', 'queueMicrotask', 'globalThis', 'escape', 'unescape',
];
/** Static members it does not have, as [global, member]. */
const MISSING_MEMBERS = [
  ['Math', 'trunc'], ['Math', 'imul'], ['Math', 'clz32'], ['Math', 'fround'], ['Math', 'sign'],
  ['Math', 'cbrt'], ['Math', 'hypot'], ['Math', 'log2'], ['Math', 'log10'], ['Math', 'expm1'],
  ['Math', 'log1p'], ['Math', 'sinh'], ['Math', 'cosh'], ['Math', 'tanh'],
  ['Array', 'from'], ['Array', 'of'], ['Object', 'freeze'], ['Object', 'isFrozen'], ['Object', 'seal'],
  ['Object', 'getOwnPropertySymbols'], ['Object', 'fromEntries'], ['Date', 'UTC'],
];
/** Instance methods it does not have: deleted from the context's real prototypes. */
const MISSING_METHODS = [['Array', 'at'], ['Array', 'flat'], ['Array', 'flatMap'], ['String', 'at'], ['String', 'replaceAll'],
  // Found missing in the real interpreter (2v29), where the firmware used them and never synchronised.
  ['Number', 'toExponential'], ['Number', 'toPrecision']];
/**
 * Constructors whose `X.prototype.method` is unreachable on Espruino: the
 * global is replaced by a wrapper whose `prototype` is empty, while values
 * keep their real prototypes (so `[].slice.call(a)` still works).
 */
const HIDDEN_PROTOTYPES = ['Object', 'Array', 'String', 'Number', 'Boolean', 'Function', 'RegExp', 'Date', 'Error'];
/** What stays on Number (Number.isInteger, MAX_SAFE_INTEGER, … are missing). */
const NUMBER_STATICS = ['MAX_VALUE', 'MIN_VALUE', 'NaN', 'POSITIVE_INFINITY', 'NEGATIVE_INFINITY', 'parseFloat', 'parseInt', 'isNaN', 'isFinite'];

const SETUP = `(function (missingGlobals, missingMembers, missingMethods, hidden, numberStatics) {
  var g = this;
  var bind = Function.prototype.bind, getNames = Object.getOwnPropertyNames;
  var describe = Object.getOwnPropertyDescriptor, define = Object.defineProperty;
  for (var i = 0; i < missingMethods.length; i++) delete g[missingMethods[i][0]].prototype[missingMethods[i][1]];
  for (i = 0; i < missingMembers.length; i++) delete g[missingMembers[i][0]][missingMembers[i][1]];
  var isArray = Array.isArray;
  for (i = 0; i < hidden.length; i++) (function (name) {
    var Real = g[name];
    var Wrapper = function () {
      if (new.target === undefined) return Real.apply(null, arguments);
      var args = [null];
      for (var j = 0; j < arguments.length; j++) args.push(arguments[j]);
      return new (bind.apply(Real, args))();
    };
    var names = getNames(Real);
    for (var k = 0; k < names.length; k++) {
      var key = names[k];
      if (key === 'prototype' || key === 'length' || key === 'name' || key === 'caller' || key === 'arguments') continue;
      if (name === 'Number' && numberStatics.indexOf(key) < 0) continue;
      define(Wrapper, key, describe(Real, key));
    }
    Wrapper.prototype = Object.create(null);
    define(Wrapper, Symbol.hasInstance, { value: function (v) {
      return name === 'Array' ? isArray(v) : v instanceof Real;
    } });
    g[name] = Wrapper;
  })(hidden[i]);
  for (i = 0; i < missingGlobals.length; i++) delete g[missingGlobals[i]];
})`;

/**
 * @param {object} host
 *   crystal: {read(), step(s)}; console: {write(text)}; storageDir; ntpPort; httpPort (host port
 *   for the device's TCP port 80, 0: any free one); bindAddress;
 *   log(text) for host-side messages; onUncaught(error); wifi (optional): the
 *   access point {ssid, password} and outages [{start, length}] (wifi.mjs).
 */
export function createSandbox(host) {
  const timers = new Map();
  /** The one-shot timers of 0 ms still pending (id → their run), for runDueTimers. */
  const dueAtOnce = new Map();
  let nextTimerId = 1;
  const serialHandlers = { Serial1: [], Serial2: [], LoopbackB: [] };
  const serialSetup = {};
  const state = { console: 'Serial1' };
  const watches = new Map();
  let nextWatchId = 1;
  const pins = {};
  /** Espruino's Pin: `new Pin("D4")` or the global D4; the same object for one name. */
  function Pin(name) {
    name = String(name);
    if (!/^D([0-9]|[1-3][0-9])$/.test(name)) throw new Error('Pin ' + name + ' does not exist on ESP32');
    if (!pins[name]) pins[name] = Object.freeze({ toString: () => name, getInfo: () => ({ name }) });
    return pins[name];
  }
  const pinGlobals = {};
  for (let n = 0; n < 40; n++) pinGlobals['D' + n] = Pin('D' + n);

  /** Text the interpreter prints on the JavaScript console: the terminal, or LoopbackB's readers once the console is on LoopbackA. */
  function printOnJsConsole(text) {
    if (state.console === 'Serial1') host.console.write(text);
    else if (state.console === 'LoopbackA') for (const handler of serialHandlers.LoopbackB) handler(text);
  }

  function guard(fn) {
    return (...args) => {
      try {
        fn(...args);
      } catch (error) {
        // Espruino prints an uncaught error on the JavaScript console and carries on.
        printOnJsConsole('Uncaught ' + (error && error.message ? error.message : error) + '\r\n');
        host.onUncaught(error);
      }
    };
  }

  function getTime() {
    // Microsecond resolution, as the ESP32's gettimeofday gives.
    return Math.round(host.crystal.read() * 1e6) / 1e6;
  }

  // Espruino hands a timer's extra arguments to its callback, as browsers and Node do.
  function addTimer(callback, milliseconds, repeat, args) {
    if (typeof callback !== 'function') throw new Error('Timer callback must be a function');
    const id = nextTimerId++;
    const run = guard(() => {
      if (!repeat) timers.delete(id);
      dueAtOnce.delete(id);
      callback(...args);
    });
    const delay = Math.max(0, +milliseconds || 0);
    timers.set(id, repeat ? setInterval(run, delay) : setTimeout(run, delay));
    if (!repeat && delay === 0) dueAtOnce.set(id, run);
    return id;
  }

  function clearTimer(id) {
    const timer = timers.get(id);
    if (timer === undefined) return;
    clearTimeout(timer);
    clearInterval(timer);
    timers.delete(id);
    dueAtOnce.delete(id);
  }

  function makeSerial(name) {
    return {
      write(text) {
        if (typeof text !== 'string') text = String(text);
        if (name === 'Serial1') host.console.write(text);
        // Data sent to LoopbackA comes out of LoopbackB.
        if (name === 'LoopbackA') for (const handler of serialHandlers.LoopbackB) handler(text);
      },
      print(text) {
        this.write(String(text));
      },
      println(text) {
        this.write(String(text) + '\r\n');
      },
      on(event, handler) {
        if (event === 'data' && serialHandlers[name]) serialHandlers[name].push(guard(handler));
      },
      setConsole() {
        state.console = name;
      },
      setup(baud, options) {
        if (!(+baud > 0)) throw new Error(name + '.setup: baud rate must be a positive number');
        serialSetup[name] = { baud: +baud, rx: options && String(options.rx), tx: options && String(options.tx) };
      },
    };
  }

  const wifiOptions = host.wifi ?? {};
  const dgram = createDgram({
    ntpPort: host.ntpPort,
    bindAddress: host.bindAddress,
    log: host.log,
    guard,
    // Given an access point, the board boots unconnected; else as if Wifi.save() had stored one.
    linkUp: wifiOptions.ssid === undefined,
  });
  const http = createHttp({ httpPort: host.httpPort ?? 0, bindAddress: host.bindAddress, log: host.log, guard });
  const storage = createStorage(host.storageDir, host.storageFaults);
  const station = createWifi({
    ssid: wifiOptions.ssid,
    password: wifiOptions.password,
    outages: wifiOptions.outages,
    flaps: wifiOptions.flaps ?? null,
    address: host.bindAddress === '0.0.0.0' ? '127.0.0.1' : host.bindAddress,
    log: host.log,
    guard,
    onLink: (up) => dgram.setLink(up),
  });
  const wifi = {
    ...station.api,
    // The host resolver stands in for lwIP's DNS; the callback gets undefined on failure, as on ESP32.
    getHostByName(host, callback) {
      dns.lookup(String(host), { family: 4 }, guard((error, address) => callback(error ? undefined : address)));
    },
  };
  // Espruino's crypto: SHA1/SHA256 of a string, as an ArrayBuffer. No MD5, no HMAC (as on ESP32).
  const shaOf = (algorithm) => (data) => {
    const digest = nodeCrypto.createHash(algorithm).update(Buffer.from(String(data), 'latin1')).digest();
    return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.length);
  };
  const cryptoModule = { SHA1: shaOf('sha1'), SHA224: shaOf('sha224'), SHA256: shaOf('sha256'), SHA384: shaOf('sha384'), SHA512: shaOf('sha512') };
  const modules = { dgram, http: http.module, Storage: storage, Wifi: wifi, crypto: cryptoModule };
  /** Modules loaded from Storage files, as Espruino caches them (Modules.getCached/removeCached). */
  const storageModules = {};
  /** Module texts compiled, by text (a rewritten Storage file compiles afresh). */
  const compiledModules = new Map();
  /**
   * Espruino's require: a built-in module, or else the Storage file of that name run as a module
   * (its own scope, with exports and module), once, until it is removed from the cache.
   */
  function requireModule(name) {
    name = String(name);
    if (Object.prototype.hasOwnProperty.call(modules, name)) return modules[name];
    if (Object.prototype.hasOwnProperty.call(storageModules, name)) return storageModules[name];
    const text = storage.read(name);
    if (text === undefined) throw new Error('Module ' + name + ' not found');
    const module = { exports: {} };
    // Compiled once per text: V8's compilation is the sandbox's cost, not the board's. The body still
    // runs at each load, making fresh functions, as Espruino's require does after removeCached.
    let body = compiledModules.get(text);
    if (body === undefined) {
      body = new vm.Script('(function (exports, module) {' + text + '\n})', { filename: name });
      compiledModules.set(text, body);
    }
    body.runInContext(context).call(undefined, module.exports, module);
    storageModules[name] = module.exports;
    return module.exports;
  }
  let context;
  // Espruino's process: only memory() among what Node's has (no env, argv, exit, hrtime…).
  // Espruino's process.memory(), without figures: V8 does not spend JsVars, so any count here
  // would be invented (an earlier estimate said 423 of 2500 where the interpreter used 5,700).
  // JsVars are measured in the real interpreter (test/device/).
  const processObject = {
    memory() {
      return { free: NaN, usage: NaN, total: NaN, history: 0, gc: 0, gctime: 0, blocksize: NaN };
    },
  };

  const espruino = {
    getTime,
    setTime(seconds) {
      // ESP32 semantics: getTime steps; pending timers keep their delays.
      host.crystal.step(+seconds - getTime());
    },
    setInterval: (callback, milliseconds, ...args) => addTimer(callback, milliseconds, true, args),
    setTimeout: (callback, milliseconds, ...args) => addTimer(callback, milliseconds, false, args),
    clearInterval: clearTimer,
    clearTimeout: clearTimer,
    Pin,
    ...pinGlobals,
    load(name) {
      // Espruino's soft reboot; load(FILE) (another program) is not something this firmware does.
      if (name !== undefined) throw new Error('load: only load() is emulated');
      if (host.reboot) host.reboot();
    },
    setWatch(callback, pin, options) {
      if (typeof callback !== 'function') throw new Error('setWatch: callback must be a function');
      const id = nextWatchId++;
      const edge = (options && options.edge) || 'both';
      watches.set(id, { callback: guard(callback), pin: String(Pin(pin)), edge, repeat: !!(options && options.repeat), lastTime: 0 });
      return id;
    },
    clearWatch(id) {
      if (id === undefined) watches.clear();
      else watches.delete(id);
    },
    require: requireModule,
    Modules: {
      getCached: () => Object.keys(storageModules),
      removeCached(name) {
        delete storageModules[String(name)];
      },
    },
    Serial1: makeSerial('Serial1'),
    Serial2: makeSerial('Serial2'),
    LoopbackA: makeSerial('LoopbackA'),
    LoopbackB: makeSerial('LoopbackB'),
    E: {
      /** The ESP32's console is Serial1 until something moves it. */
      getConsole() {
        return state.console;
      },
      toString(bytes) {
        return Buffer.from(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength ?? bytes.length).toString('latin1');
      },
      toArrayBuffer(text) {
        const buffer = Buffer.from(String(text), 'latin1');
        return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length);
      },
    },
    console: { log: (...parts) => host.console.write(parts.join(' ') + '\r\n') },
    print: (...parts) => host.console.write(parts.join(' ') + '\r\n'),
    process: processObject,
  };

  context = vm.createContext(espruino, { name: 'espruino', codeGeneration: { strings: true, wasm: false } });
  vm.runInContext(SETUP, context).call(undefined, MISSING_GLOBALS, MISSING_MEMBERS, MISSING_METHODS, HIDDEN_PROTOTYPES, NUMBER_STATICS);
  vm.runInContext('var global = this;', context);

  return {
    context,
    /** Runs the bundle's source, as uploading it to the board would. */
    load(code, filename) {
      new vm.Script(code, { filename }).runInContext(context);
    },
    /** A chunk typed on the console: to the firmware, or to the REPL when it has the console. */
    /**
     * Runs now the timers of 0 ms (setTimeout(f, 0)) pending, and those they set in turn, as the
     * board's next idle loops would: a test that types a line reads its answer after this.
     */
    runDueTimers() {
      for (let ran = 0; dueAtOnce.size > 0 && ran < 1000; ran++) {
        const [id, run] = dueAtOnce.entries().next().value;
        clearTimeout(timers.get(id));
        run();
      }
    },
    consoleInput(chunk) {
      if (state.console === 'Serial1') return this.evaluate(chunk);
      for (const handler of serialHandlers.Serial1) handler(chunk);
    },
    /** The REPL: evaluates a line in the board and prints "=value" as Espruino does. */
    evaluate(line) {
      if (line.trim() === '') return;
      try {
        const value = vm.runInContext(line, context);
        // The line may have handed the console back to the firmware (ntpConsole()).
        if (state.console !== 'Serial1') return;
        host.console.write('=' + (typeof value === 'string' ? JSON.stringify(value) : String(value)) + '\r\n>');
      } catch (error) {
        host.console.write('Uncaught ' + (error && error.message ? error.message : error) + '\r\n>');
      }
    },
    consoleOwner: () => state.console,
    /** Bytes arriving on a UART (e.g. a simulated GPS on Serial2); dropped unless set up. */
    serialInput(port, chunk) {
      if (!serialSetup[port]) return false;
      for (const handler of serialHandlers[port]) handler(chunk);
      return true;
    },
    serialSettings: (port) => serialSetup[port],
    /** A level change on a pin at raw time `time` (the interrupt's timestamp). */
    pinEdge(pinName, level, time = getTime()) {
      const edge = level ? 'rising' : 'falling';
      for (const [id, watch] of [...watches]) {
        if (watch.pin !== pinName || (watch.edge !== 'both' && watch.edge !== edge)) continue;
        if (!watch.repeat) watches.delete(id);
        watch.callback({ time, lastTime: watch.lastTime, state: !!level });
        watch.lastTime = time;
      }
    },
    close() {
      for (const id of [...timers.keys()]) clearTimer(id);
      station.close();
      dgram.closeAll();
      http.closeAll();
    },
  };
}
