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
  let stepTrue = options.trueNow();
  let stepRaw = stepTrue + (options.offset ?? 0);

  function advance(trueTime) {
    // Whole seconds of true time, each with the frequency that held during it.
    while (trueTime - stepTrue >= 1) {
      stepRaw += 1 + freq;
      stepTrue += 1;
      if (wander > 0) freq += wander * random.gaussian();
    }
  }

  return {
    /** The raw counter now, in seconds. */
    read() {
      const trueTime = options.trueNow();
      advance(trueTime);
      return stepRaw + (trueTime - stepTrue) * (1 + freq);
    },
    /** Steps the counter (Espruino's setTime on ESP32). */
    step(seconds) {
      stepRaw += seconds;
    },
    /** Current fractional frequency error (for tests and reports). */
    frequency() {
      return freq;
    },
  };
}
