export function hostFile(directory: string, name: string): string;
export function createStorage(directory: string): {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
  erase(name: string): void;
  list(): string[];
};
