/**
 * A board's crystal, as clknetsim models a system clock's frequency error:
 *   f(k) = freq + Σ wander·N(0,1) + amplitude·sin(2π k / period)
 * evaluated once per simulated second k and held for that second; the raw
 * counter then advances at (1 + f(k)) per true second from an initial offset.
 * The phase (raw − true) is kept apart from the large epoch so that adding a
 * few parts per million each second loses nothing.
 */
import type { Random } from './random';

export interface CrystalSpec {
  /** raw − true at true time 0, seconds. */
  offset?: number;
  /** Fractional frequency error (positive: the crystal runs fast). */
  freq?: number;
  /** Random-walk step of the frequency per simulated second (clknetsim's wander). */
  wander?: number;
  /** Temperature-like periodic term: amplitude (fractional) and period (s). */
  temperature?: { amplitude: number; period: number };
}

export class Crystal {
  /** First true second of the current one-second segment. */
  private segment = 0;
  /** raw − true at `segment`. */
  private phase: number;
  private freq: number;
  private previousFreq: number;
  private walk = 0;
  private readonly base: number;
  private readonly wander: number;
  private readonly amplitude: number;
  private readonly period: number;

  constructor(spec: CrystalSpec, private readonly epoch: number, private readonly random: Random) {
    this.phase = spec.offset ?? 0;
    this.base = spec.freq ?? 0;
    this.wander = spec.wander ?? 0;
    this.amplitude = spec.temperature ? spec.temperature.amplitude : 0;
    this.period = spec.temperature ? spec.temperature.period : 1;
    this.freq = this.evaluate(0);
    this.previousFreq = this.freq;
  }

  private evaluate(second: number): number {
    if (this.wander !== 0) this.walk += this.wander * this.random.normal();
    let f = this.base + this.walk;
    if (this.amplitude !== 0) f += this.amplitude * Math.sin((2 * Math.PI * second) / this.period);
    return f;
  }

  private advance(trueTime: number): void {
    while (trueTime >= this.segment + 1) {
      this.phase += this.freq;
      this.segment++;
      this.previousFreq = this.freq;
      this.freq = this.evaluate(this.segment);
    }
  }

  /** raw − true at `trueTime` (seconds; never earlier than one second before the latest read). */
  phaseAt(trueTime: number): number {
    this.advance(trueTime);
    const into = trueTime - this.segment;
    if (into >= 0) return this.phase + into * this.freq;
    if (into < -1) throw new Error('crystal read more than a second in the past');
    return this.phase + into * this.previousFreq;
  }

  /** The raw counter at `trueTime`: what the board's getTime() returns. */
  read(trueTime: number): number {
    return this.epoch + trueTime + this.phaseAt(trueTime);
  }

  /** The fractional frequency error in force at `trueTime`. */
  frequencyAt(trueTime: number): number {
    this.advance(trueTime);
    return trueTime >= this.segment ? this.freq : this.previousFreq;
  }
}
