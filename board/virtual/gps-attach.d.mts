import type { Crystal } from './crystal.mjs';
import type { GpsReceiver } from './gps-receiver.mjs';
import type { Sandbox } from './sandbox.mjs';

export interface GpsAttachment {
  sandbox: Pick<Sandbox, 'serialInput' | 'serialSettings' | 'pinEdge'>;
  crystal: Pick<Crystal, 'rawAt'>;
  receiver: GpsReceiver;
  /** True Unix time now, seconds (the receiver's times are this minus its epoch). */
  trueNow: () => number;
  /** UART, the board's receive pin the module's TX is wired to, and the PPS pin (default ESP32_GPS_WIRING). */
  wiring?: { uart: string; rx: string; pps: string };
  log?: (text: string) => void;
}
export interface GpsConnection {
  /** chunks/bytes delivered (bytes as the UART read them), edges, chunks unheard (port not set up or on another pin), backlogs skipped. */
  readonly counts: { chunks: number; bytes: number; edges: number; unheard: number; skipped: number };
  close(): void;
}
export function attachGpsReceiver(attachment: GpsAttachment): GpsConnection;
