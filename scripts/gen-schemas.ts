// Writes schemas/*.schema.json from the zod schemas (run via `npm run schemas`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateJsonSchemas } from '../src/formats/schemas.js';

const dir = join(process.cwd(), 'schemas');
mkdirSync(dir, { recursive: true });
for (const [file, text] of Object.entries(generateJsonSchemas())) {
  writeFileSync(join(dir, file), text);
  console.log(`wrote schemas/${file}`);
}
