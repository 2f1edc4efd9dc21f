// Written by scripts/write-version.mjs from package.json (npm run build, npm version): do not edit.

/** This program's version (package.json's `version`). */
export const VERSION = '0.1.0';
