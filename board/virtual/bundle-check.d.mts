export function checkBundle(code: string, options?: { module?: boolean }): string[];
