export function hostFile(directory: string, name: string): string;
export function flashSize(): number;
export function createStorage(directory: string, size?: number): {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
  erase(name: string): void;
  list(): string[];
  getFree(): number;
};
