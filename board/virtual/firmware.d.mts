export const MANIFEST: string;
export const BOOT_FILE: string;
export function firmwareFiles(bootFile: string): { [storageName: string]: string };
export function installFirmware(storageDir: string, bootFile: string): string;
