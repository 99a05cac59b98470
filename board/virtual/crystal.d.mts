export interface Crystal {
  /** The raw counter now (at trueNow()), seconds. */
  read(): number;
  /** The raw counter at a given true time (e.g. an interrupt's timestamp for an edge that has passed). */
  rawAt(trueTime: number): number;
  step(seconds: number): void;
  frequency(): number;
}
export function createCrystal(options: { ppm?: number; offset?: number; wander?: number; seed?: number; trueNow: () => number }): Crystal;
