#!/usr/bin/env node
// The virtual board: runs firmware/ntp.js, unchanged, in an Espruino-like
// sandbox with a simulated crystal, real UDP sockets, storage in a host
// folder, and the serial console on this terminal.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkBundle } from './bundle-check.mjs';
import { createCrystal } from './crystal.mjs';
import { attachGpsReceiver } from './gps-attach.mjs';
import { createGpsReceiver, ESP32_GPS_WIRING, GPS_WEEK_ROLLOVER_SECONDS, OUTAGE_KINDS } from './gps-receiver.mjs';
import { createSandbox } from './sandbox.mjs';
import { firmwareFiles, installFirmware } from './firmware.mjs';
import { hostFile } from './storage.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const USAGE = `Usage: node board/virtual/run.mjs [options]
  --bundle FILE     boot program to run (default firmware/ntp.js); the modules.json beside it lists the rest of the firmware
  --storage DIR     host folder holding the board's flash Storage (default .virtual-storage)
  --config FILE     install this text as the board's configuration (ntp.conf) before boot
  --default-config FILE
                    install it only if the board has no configuration yet (first boot)
  --ntp-port N      host UDP port for the device's port 123 (default 11123)
  --http-port N     host TCP port for the device's port 80, the status page (default 11080;
                    0: any free port, named in the "[vboard] ready http 80 -> ADDR:PORT" line)
  --bind ADDR       host address to bind (default 127.0.0.1)
  --ppm X           crystal frequency error in ppm (default 0)
  --offset S        crystal's initial offset from true time in seconds (default 0)
  --wander W        crystal random-walk frequency wander per second (default 0)
  --seed N          seed for the crystal's wander and the GPS receiver's noise (default 1)
A GPS receiver is attached as on the appliance's board: NMEA on Serial2 (the
board receives on D16) at 9600 baud, sending RMC and GGA; its pulse on D4.
  --no-gps          no receiver
  --gps-baud N      the receiver's speed (default 9600); a firmware set to another reads garbage
  --gps-sentences LIST
                    comma-separated, in order: RMC,GGA,ZDA,VTG,GSA,GSV,GLL (default RMC,GGA)
  --gps-nmea-delay S
                    seconds from the pulse to the first sentence of that second (default 0.35)
  --gps-nmea-jitter S
                    standard deviation of that delay (default 0.05; kept within 0.005-0.95 s)
  --gps-pps-jitter S
                    standard deviation of the pulse around the second (default 1e-6)
  --gps-mode MODE   for the whole run: normal; stale (sentences state the second before the
                    pulse); wrong-date (the date is off by --gps-date-error); no-pps; no-nmea;
                    no-fix (sentences say no fix, no pulses)
  --gps-date-error S
                    seconds added to the stated date in wrong-date mode, whole days (default
                    -619315200: the GPS week rollover, which the firmware's date floor corrects;
                    86400 is a date it cannot)
  --gps-outage START:LENGTH[:WHAT]
                    an outage from START seconds after boot, for LENGTH seconds: WHAT is all
                    (default: no pulses, no sentences), pps, nmea or fix. Repeatable.
The board's Wi-Fi station (Espruino's Wifi module) joins a simulated access point:
  --wifi-ssid NAME, --wifi-password TEXT
                    the access point: connect succeeds only with these (a wrong password
                    fails with AUTH_FAIL, another SSID with NO_AP_FOUND) and the board boots
                    unconnected. Without them any credentials join, and the board boots
                    connected, as with credentials saved by Wifi.save()
  --wifi-outage START:LENGTH
                    the access point disappears START seconds after boot for LENGTH
                    seconds: the link drops and does not come back by itself. Repeatable.
  --wifi-flap START:EVERY:COUNT
                    from START seconds after boot, the link drops and comes back by itself
                    every EVERY seconds, COUNT times (an access point that keeps restarting)
On a terminal, Ctrl-] quits.`;

function main() {
  let options;
  try {
    options = parseArgs({
      options: {
        bundle: { type: 'string', default: path.join(root, 'firmware/ntp.js') },
        storage: { type: 'string', default: path.join(root, '.virtual-storage') },
        config: { type: 'string' },
        'default-config': { type: 'string' },
        'ntp-port': { type: 'string', default: '11123' },
        'http-port': { type: 'string', default: '11080' },
        bind: { type: 'string', default: '127.0.0.1' },
        ppm: { type: 'string', default: '0' },
        offset: { type: 'string', default: '0' },
        wander: { type: 'string', default: '0' },
        seed: { type: 'string', default: '1' },
        'no-gps': { type: 'boolean', default: false },
        'gps-baud': { type: 'string', default: String(ESP32_GPS_WIRING.baud) },
        'gps-sentences': { type: 'string', default: 'RMC,GGA' },
        'gps-nmea-delay': { type: 'string', default: '0.35' },
        'gps-nmea-jitter': { type: 'string', default: '0.05' },
        'gps-pps-jitter': { type: 'string', default: '1e-6' },
        'gps-mode': { type: 'string', default: 'normal' },
        'gps-date-error': { type: 'string', default: String(-GPS_WEEK_ROLLOVER_SECONDS) },
        'gps-outage': { type: 'string', multiple: true, default: [] },
        'wifi-ssid': { type: 'string' },
        'wifi-password': { type: 'string' },
        'wifi-outage': { type: 'string', multiple: true, default: [] },
        'wifi-flap': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    console.error(error.message + '\n' + USAGE);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const numbers = {};
  for (const name of ['ntp-port', 'http-port', 'ppm', 'offset', 'wander', 'seed', 'gps-baud', 'gps-nmea-delay', 'gps-nmea-jitter', 'gps-pps-jitter', 'gps-date-error']) {
    numbers[name] = Number(options[name]);
    if (!Number.isFinite(numbers[name])) {
      console.error(`--${name} needs a number, not "${options[name]}"`);
      process.exit(2);
    }
  }

  const log = (text) => process.stderr.write('[vboard] ' + text + '\n');
  let wifi;
  try {
    wifi = wifiOptions(options);
  } catch (error) {
    console.error(error.message + '\n' + USAGE);
    process.exit(2);
  }
  const bundleFile = path.resolve(options.bundle);
  if (!fs.existsSync(bundleFile)) {
    log(`no bundle at ${bundleFile}: run "npm run build" first`);
    process.exit(1);
  }
  const modules = firmwareFiles(bundleFile);
  for (const name of Object.keys(modules)) {
    if (!modules[name].endsWith('.js')) continue;
    const problems = checkBundle(fs.readFileSync(modules[name], 'utf8'), { module: name !== '.bootcde' });
    if (problems.length > 0) {
      log(`${modules[name]} would not run on Espruino:\n  ` + problems.join('\n  '));
      process.exit(1);
    }
  }

  const storageDir = path.resolve(options.storage);
  fs.mkdirSync(storageDir, { recursive: true });
  // The configuration is ntp.conf (installed: generation 0) or the console's saved slots (src/store/configstore.ts).
  const configFile = hostFile(storageDir, 'ntp.conf');
  const slotFiles = ['ntp.conf.a', 'ntp.conf.b'].map((name) => hostFile(storageDir, name));
  const firstBoot = !fs.existsSync(configFile) && !slotFiles.some((file) => fs.existsSync(file));
  const installConfig = options.config ?? (firstBoot ? options['default-config'] : undefined);
  if (installConfig !== undefined) {
    // Installing is like flashing: what is installed is in force, whatever the console saved before.
    fs.writeFileSync(configFile, fs.readFileSync(installConfig));
    for (const file of slotFiles) fs.rmSync(file, { force: true });
  }
  // Every file of the firmware, as the flash script uploads them: the boot program, the modules, the status page.
  const code = installFirmware(storageDir, bundleFile);

  const { startWall, startMono } = anchorToHostClock();
  const trueNow = () => startWall + Number(process.hrtime.bigint() - startMono) / 1e9;
  const crystal = createCrystal({ ppm: numbers.ppm, offset: numbers.offset, wander: numbers.wander, seed: numbers.seed, trueNow });

  let uncaught = 0;
  let sandbox = null;
  let gps = null;
  let boots = 0;
  /** Powers the board on: a fresh interpreter (and receiver) over the same flash and crystal. */
  const boot = () => {
    boots++;
    sandbox = createSandbox({
      crystal,
      console: { write: (text) => process.stdout.write(text) },
      storageDir,
      ntpPort: numbers['ntp-port'],
      httpPort: numbers['http-port'],
      bindAddress: options.bind,
      wifi,
      log,
      onUncaught(error) {
        uncaught++;
        // The sandbox has printed it on the JavaScript console, as Espruino does; the host log keeps a count.
        log('uncaught error #' + uncaught + ': ' + (error && error.message ? error.message : error));
      },
      reboot() {
        // load(): the firmware restarts from flash, after the current event, as Espruino does.
        setImmediate(() => {
          if (gps) gps.close();
          sandbox.close();
          log('reboot #' + boots);
          boot();
        });
      },
    });
    gps = null;
    if (!options['no-gps']) {
      try {
        const receiver = createGpsReceiver(gpsOptions(options, numbers, startWall, trueNow()));
        gps = attachGpsReceiver({ sandbox, crystal, receiver, trueNow, log });
        const { uart, rx, pps } = ESP32_GPS_WIRING;
        if (boots === 1) log(`gps: ${receiver.options.sentences.join('+')} on ${uart} (rx ${rx}) at ${receiver.options.baud} baud, pulse on ${pps}, mode ${options['gps-mode']}`);
      } catch (error) {
        console.error('GPS options: ' + error.message + '\n' + USAGE);
        process.exit(2);
      }
    }
    try {
      sandbox.load(code, bundleFile);
    } catch (error) {
      log('the firmware failed at boot: ' + (error && error.stack ? error.stack : error));
      stop(1);
    }
  };

  const stop = (code) => {
    if (gps) gps.close();
    if (sandbox) sandbox.close();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.exit(code);
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));

  // A terminal is a serial line: raw bytes go to the board, which echoes.
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    log('console on this terminal; Ctrl-] quits');
  }
  process.stdin.on('data', (chunk) => {
    const text = chunk.toString('latin1');
    if (process.stdin.isTTY && text.includes('\x1d')) stop(0);
    sandbox.consoleInput(text);
  });

  boot();
}

/** The access point and its outages from the --wifi-* flags. */
function wifiOptions(options) {
  if (options['wifi-password'] !== undefined && options['wifi-ssid'] === undefined) throw new Error('--wifi-password needs --wifi-ssid');
  const outages = options['wifi-outage'].map((text) => {
    const [start, length, extra] = text.split(':');
    if (extra !== undefined || start === '' || !(Number(start) >= 0) || !(Number(length) > 0)) throw new Error(`--wifi-outage START:LENGTH (seconds), not "${text}"`);
    return { start: Number(start), length: Number(length) };
  });
  let flaps = null;
  if (options['wifi-flap'] !== undefined) {
    const [start, every, count, extra] = options['wifi-flap'].split(':').map(Number);
    if (extra !== undefined || !(start >= 0) || !(every > 0) || !(count >= 1 && Number.isInteger(count))) {
      throw new Error(`--wifi-flap START:EVERY:COUNT (seconds, seconds, a count), not "${options['wifi-flap']}"`);
    }
    flaps = { startMs: start * 1000, everyMs: every * 1000, count };
  }
  return { ssid: options['wifi-ssid'], password: options['wifi-ssid'] === undefined ? undefined : options['wifi-password'] ?? '', outages, flaps };
}

/** The receiver's options from the --gps-* flags; its epoch is the whole second before boot. */
function gpsOptions(options, numbers, startWall, bootTrue) {
  const epoch = Math.floor(startWall);
  const boot = bootTrue - epoch;
  const always = { from: -Infinity, to: Infinity };
  const receiver = {
    seed: numbers.seed,
    epoch,
    startTime: boot,
    baud: numbers['gps-baud'],
    sentences: options['gps-sentences'].split(',').map((name) => name.trim().toUpperCase()),
    nmeaDelay: numbers['gps-nmea-delay'],
    nmeaJitter: numbers['gps-nmea-jitter'],
    ppsJitter: numbers['gps-pps-jitter'],
    outages: [],
    stale: [],
  };
  const mode = options['gps-mode'];
  if (mode === 'stale') receiver.stale.push(always);
  else if (mode === 'wrong-date') receiver.dateErrorSeconds = numbers['gps-date-error'];
  else if (mode === 'no-pps' || mode === 'no-nmea' || mode === 'no-fix') receiver.outages.push({ ...always, what: mode.slice(3) });
  else if (mode !== 'normal') throw new Error(`--gps-mode: normal, stale, wrong-date, no-pps, no-nmea or no-fix, not "${mode}"`);
  for (const text of options['gps-outage']) {
    const [start, length, what = 'all'] = text.split(':');
    if (!(Number.isFinite(+start) && +length >= 0) || start === '' || !OUTAGE_KINDS.includes(what)) {
      throw new Error(`--gps-outage START:LENGTH[:${OUTAGE_KINDS.join('|')}], not "${text}"`);
    }
    receiver.outages.push({ from: boot + Number(start), to: boot + Number(start) + Number(length), what });
  }
  return receiver;
}

/**
 * True time is the host clock, read once and then advanced by the monotonic
 * clock. Date.now() only has milliseconds, so wait for its next tick: at that
 * instant the wall clock is exactly the new millisecond.
 */
function anchorToHostClock() {
  const first = Date.now();
  let now = first;
  const limit = process.hrtime.bigint() + 5_000_000n;
  let mono = process.hrtime.bigint();
  while (now === first && mono < limit) {
    now = Date.now();
    mono = process.hrtime.bigint();
  }
  return { startWall: now / 1000, startMono: mono };
}

main();
