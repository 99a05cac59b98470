export function checkBundle(code: string): string[];
