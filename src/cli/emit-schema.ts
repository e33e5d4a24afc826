import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printGraphSchema } from '../graph/schema';

/** Writes schema.graphql at the project root from the decorated classes. */
const target = path.resolve(__dirname, '..', '..', 'schema.graphql');
fs.writeFileSync(target, printGraphSchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), target) || target}\n`);
