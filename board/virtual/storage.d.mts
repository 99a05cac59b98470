export function hostFile(directory: string, name: string): string;
/** Thrown by a write when the simulated power fails. */
export class PowerLoss extends Error {}
export function flashSize(): number;
export function createStorage(directory: string, faults?: { powerFailAfterSteps?: number }, size?: number): {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
  erase(name: string): void;
  list(): string[];
  getFree(): number;
};
