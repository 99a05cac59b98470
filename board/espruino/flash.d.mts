export function espruinoArguments(options: { port?: string; baud?: string; dryRunFile?: string }): string[];
export function firmwareFiles(): { [storageName: string]: string };
