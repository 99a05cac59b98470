/**
 * Seeded random numbers for the simulator: xoshiro128** seeded through
 * splitmix32, so that each model (crystal, network, the core's own random())
 * draws from its own stream and one model's draws never shift another's.
 */

export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal, N(0, 1). */
  normal(): number;
  /** Exponential with rate 1 (mean 1). */
  exponential(): number;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A generator for `seed` and `stream` (a small integer naming the model that uses it). */
export function createRandom(seed: number, stream = 0): Random {
  const init = { s: (Math.imul(seed | 0, 0x2545f491) ^ Math.imul(stream + 1, 0x6c8e9cf5)) | 0 };
  let a = splitmix32(init);
  let b = splitmix32(init);
  let c = splitmix32(init);
  let d = splitmix32(init);
  if ((a | b | c | d) === 0) a = 1;
  let spare = NaN;

  function next(): number {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  }

  function uniform(): number {
    // 53 random bits: two draws, as Math.random-quality doubles need.
    return ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
  }

  return {
    uniform,
    normal() {
      if (spare === spare) {
        const value = spare;
        spare = NaN;
        return value;
      }
      let u = 0;
      while (u === 0) u = uniform();
      const radius = Math.sqrt(-2 * Math.log(u));
      const angle = 2 * Math.PI * uniform();
      spare = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
    exponential() {
      let u = 0;
      while (u === 0) u = uniform();
      return -Math.log(u);
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
