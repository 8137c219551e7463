/** dynsim's version, recorded in trace provenance and results. Keep in step with package.json. */
export const VERSION = '0.1.0';
