export const allowedImports: Record<string, string[]>;
export function moduleOf(relativePath: string): string | undefined;
export function layeringViolation(root: string, fromFile: string, specifier: string): string | undefined;
export const layeringPlugin: unknown;
