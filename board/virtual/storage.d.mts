export function hostFile(directory: string, name: string): string;
/** Thrown by a write when the simulated power fails. */
export class PowerLoss extends Error {}
export function createStorage(directory: string, faults?: { powerFailAfterSteps?: number }): {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
  erase(name: string): void;
  list(): string[];
};
