export interface SandboxHost {
  crystal: { read(): number; step(seconds: number): void };
  console: { write(text: string): void };
  storageDir: string;
  ntpPort: number;
  /** Host TCP port for the device's port 80 (0 or absent: any free port). */
  httpPort?: number;
  bindAddress: string;
  log(text: string): void;
  onUncaught(error: unknown): void;
  /** Tests: power fails after this many flash steps (see storage.mjs). */
  storageFaults?: { powerFailAfterSteps?: number };
  /** The firmware called load(): restart it from flash. */
  reboot?(): void;
  /** The access point (none: any credentials join, and the board boots connected) and scripted outages (s after boot). */
  wifi?: { ssid?: string; password?: string; outages?: { start: number; length: number }[] };
}
export interface Sandbox {
  context: object;
  load(code: string, filename: string): void;
  consoleInput(chunk: string): void;
  /** Runs the pending 0 ms timers now (and those they set), as the board's next idle loops would. */
  runDueTimers(): void;
  evaluate(line: string): void;
  consoleOwner(): string;
  serialInput(port: string, chunk: string): boolean;
  serialSettings(port: string): { baud: number; rx: string; tx: string } | undefined;
  pinEdge(pin: string, level: number, time?: number): void;
  close(): void;
}
export function createSandbox(host: SandboxHost): Sandbox;
