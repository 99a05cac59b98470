export interface SandboxHost {
  crystal: { read(): number; step(seconds: number): void };
  console: { write(text: string): void };
  storageDir: string;
  ntpPort: number;
  bindAddress: string;
  log(text: string): void;
  onUncaught(error: unknown): void;
  /** The access point (none: any credentials join, and the board boots connected) and scripted outages (s after boot). */
  wifi?: { ssid?: string; password?: string; outages?: { start: number; length: number }[] };
}
export interface Sandbox {
  context: object;
  load(code: string, filename: string): void;
  consoleInput(chunk: string): void;
  evaluate(line: string): void;
  consoleOwner(): string;
  serialInput(port: string, chunk: string): boolean;
  serialSettings(port: string): { baud: number; rx: string; tx: string } | undefined;
  pinEdge(pin: string, level: number, time?: number): void;
  close(): void;
}
export function createSandbox(host: SandboxHost): Sandbox;
