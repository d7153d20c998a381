// Where the suite writes what it produces (gitignored).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUT = join(E2E, 'output');
export const SCREENSHOTS = join(OUTPUT, 'screenshots');
