export interface Crystal {
  read(): number;
  step(seconds: number): void;
  frequency(): number;
}
export function createCrystal(options: { ppm?: number; offset?: number; wander?: number; seed?: number; trueNow: () => number }): Crystal;
