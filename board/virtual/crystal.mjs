// A simulated RTC crystal: what the firmware's getTime() reads on the virtual board.
// raw advances at (1 + freq) per true second, where freq = ppm·1e-6 plus a seeded
// random walk (freq += wander·N(0,1) once per true second), from an initial offset.
import { createRandom } from './random.mjs';

/**
 * @param {{ppm?: number, offset?: number, wander?: number, seed?: number, trueNow: () => number}} options
 *   trueNow: true time in seconds (the host clock, the truth tests measure against).
 */
export function createCrystal(options) {
  const random = createRandom(options.seed ?? 1);
  const wander = options.wander ?? 0;
  let freq = (options.ppm ?? 0) * 1e-6;
  // The frequency of the whole second before stepTrue (for times just past).
  let previousFreq = freq;
  let stepTrue = options.trueNow();
  // raw − true at stepTrue: kept apart from the large true time so that
  // adding a few parts per million each second loses nothing.
  let stepOffset = options.offset ?? 0;

  function advance(trueTime) {
    const seconds = Math.floor(trueTime - stepTrue);
    if (seconds < 1) return;
    if (wander === 0) {
      stepOffset += freq * seconds;
      stepTrue += seconds;
      return;
    }
    // Whole seconds of true time, each with the frequency that held during it.
    for (let i = 0; i < seconds; i++) {
      stepOffset += freq;
      previousFreq = freq;
      freq += wander * random.gaussian();
    }
    stepTrue += seconds;
  }

  /**
   * The raw counter at true time `trueTime`. Exact up to one second before the
   * latest time asked for; earlier than that, extrapolated with the frequency
   * of that last second (off by wander·seconds², nothing when wander is 0).
   * A step (setTime) counts from when it was made, so a time before a step
   * reads as if the step had already happened.
   */
  function rawAt(trueTime) {
    advance(trueTime);
    const since = trueTime - stepTrue;
    return trueTime + stepOffset + since * (since >= 0 ? freq : previousFreq);
  }

  return {
    /** The raw counter now, in seconds. */
    read() {
      return rawAt(options.trueNow());
    },
    rawAt,
    /** Steps the counter (Espruino's setTime on ESP32). */
    step(seconds) {
      stepOffset += seconds;
    },
    /** Current fractional frequency error (for tests and reports). */
    frequency() {
      return freq;
    },
  };
}
