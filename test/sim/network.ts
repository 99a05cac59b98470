/**
 * The simulated network, as chrony's clknetsim tests configure it: each
 * packet's one-way delay is base + factor·jitter·Exp(1), where the factor is
 * 1 − 2a client→server ("up") and 1 + 2a server→client ("down") for a jitter
 * asymmetry a (so the round trip's mean jitter stays 2·jitter, and a = 0.5
 * puts all of it on the way down). A packet is lost with probability `loss`
 * (each direction independently) and whenever it is sent during an outage.
 */
import type { Random } from './random';

export interface NetworkSpec {
  baseDelay?: number;
  jitter?: number;
  /** clknetsim's jitter_asymmetry, in [-0.5, 0.5]. */
  asymmetry?: number;
  /** Probability that any one packet is dropped. */
  loss?: number;
  /** The link passes packets only for the first `up` seconds of every `period` seconds. */
  outage?: { up: number; period: number };
}

export type Direction = 'up' | 'down';

export class Network {
  readonly baseDelay: number;
  readonly jitter: number;
  readonly asymmetry: number;
  readonly loss: number;
  private readonly outage: { up: number; period: number } | undefined;
  sent = 0;
  dropped = 0;

  constructor(spec: NetworkSpec, private readonly random: Random) {
    this.baseDelay = spec.baseDelay ?? 1e-4;
    this.jitter = spec.jitter ?? 1e-4;
    this.asymmetry = spec.asymmetry ?? 0;
    this.loss = spec.loss ?? 0;
    this.outage = spec.outage;
    if (!(Math.abs(this.asymmetry) <= 0.5)) throw new Error('jitter asymmetry must be within [-0.5, 0.5]');
  }

  /** The jitter multiplier of a direction. */
  factor(direction: Direction): number {
    return direction === 'up' ? 1 - 2 * this.asymmetry : 1 + 2 * this.asymmetry;
  }

  isUp(trueTime: number): boolean {
    if (!this.outage) return true;
    const phase = trueTime - Math.floor(trueTime / this.outage.period) * this.outage.period;
    return phase < this.outage.up;
  }

  /** The delay of a packet sent at `trueTime`, or -1 when it is lost. */
  delay(direction: Direction, trueTime: number): number {
    this.sent++;
    // Draw the same numbers whether or not the packet survives, so that the
    // loss pattern does not shift the delays of later packets.
    const lossDraw = this.loss > 0 ? this.random.uniform() : 1;
    const delay = this.baseDelay + this.factor(direction) * this.jitter * this.random.exponential();
    if (lossDraw < this.loss || !this.isUp(trueTime)) {
      this.dropped++;
      return -1;
    }
    return delay;
  }
}
