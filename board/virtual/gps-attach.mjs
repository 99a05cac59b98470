// Wires a simulated GPS receiver (gps-receiver.mjs) to the virtual board and
// drives it in real time: its serial chunks reach the firmware's UART, its
// pulse edges the firmware's pin watches, each with the interrupt's timestamp
// (the crystal's raw counter at the edge's true time, however late Node runs
// the callback).
import { ESP32_GPS_WIRING, uartRead } from './gps-receiver.mjs';

/** Events further behind than this (the host slept, or stalled) are skipped, as an overflowing UART would lose them. */
const MAX_BACKLOG_SECONDS = 2;
/** The longest the pump sleeps, so that a stalled host is noticed. */
const MAX_SLEEP_MS = 1000;

/**
 * @param {import('./gps-attach.d.mts').GpsAttachment} attachment
 */
export function attachGpsReceiver({ sandbox, crystal, receiver, trueNow, wiring = ESP32_GPS_WIRING, log = () => {} }) {
  const epoch = receiver.options.epoch;
  const lineBaud = receiver.options.baud;
  const counts = { chunks: 0, bytes: 0, edges: 0, unheard: 0, skipped: 0 };
  let timer = null;
  let closed = false;
  let warnedBaud = 0;

  function deliver(event) {
    if (event.kind === 'edge') {
      counts.edges++;
      // Microseconds, as the ESP32's timer gives getTime() and setWatch's e.time.
      const raw = Math.round(crystal.rawAt(epoch + event.time) * 1e6) / 1e6;
      sandbox.pinEdge(wiring.pps, event.level, raw);
      return;
    }
    const settings = sandbox.serialSettings(wiring.uart);
    if (!settings || settings.rx !== wiring.rx) {
      counts.unheard++; // the port is not set up, or listens on another pin
      return;
    }
    if (settings.baud !== lineBaud && warnedBaud !== settings.baud) {
      warnedBaud = settings.baud;
      log(`gps: ${wiring.uart} is set to ${settings.baud} baud, the receiver sends at ${lineBaud}: the firmware reads garbage`);
    }
    const chunk = uartRead(event.chunk, lineBaud, settings.baud);
    counts.chunks++;
    counts.bytes += chunk.length;
    if (chunk.length > 0) sandbox.serialInput(wiring.uart, chunk);
  }

  function pump() {
    timer = null;
    if (closed) return;
    const now = trueNow() - epoch;
    if (receiver.nextTime() < now - MAX_BACKLOG_SECONDS) {
      counts.skipped++;
      log(`gps: the host fell ${(now - receiver.nextTime()).toFixed(1)} s behind; skipping the receiver's backlog`);
      receiver.skipTo(now - MAX_BACKLOG_SECONDS);
    }
    for (const event of receiver.eventsUntil(now)) {
      if (closed) return;
      deliver(event);
    }
    schedule();
  }

  function schedule() {
    const wait = (receiver.nextTime() - (trueNow() - epoch)) * 1000;
    timer = setTimeout(pump, Math.min(MAX_SLEEP_MS, Math.max(0, Math.ceil(wait))));
    timer.unref();
  }

  schedule();
  return {
    counts,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
