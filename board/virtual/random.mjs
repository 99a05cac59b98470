// Seeded pseudo-random numbers (mulberry32) with a Gaussian from Box-Muller,
// so every simulated crystal and noise pattern is reproducible from its seed.
export function createRandom(seed) {
  let state = seed >>> 0;
  function uniform() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return {
    uniform,
    gaussian() {
      let u = 0;
      while (u === 0) u = uniform();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
    },
    exponential() {
      let u = 0;
      while (u === 0) u = uniform();
      return -Math.log(u);
    },
  };
}
