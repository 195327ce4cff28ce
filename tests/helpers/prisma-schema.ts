/**
 * A small reader for prisma/schema.prisma, enough for the drift test: models, their table names,
 * scalar fields (name, type, optional), primary key, unique and plain indexes, and relations.
 */
import { readFileSync } from 'node:fs';

export interface SchemaField {
  name: string;
  type: string;
  optional: boolean;
  isList: boolean;
}
export interface SchemaRelation {
  fields: string[];
  references: string[];
  target: string;
  onDelete: string | null;
}
export interface SchemaModel {
  name: string;
  table: string;
  scalars: SchemaField[];
  primaryKey: string[];
  uniques: string[][];
  indexes: string[][];
  relations: SchemaRelation[];
}

const SCALAR_TYPES = new Set(['String', 'Int', 'BigInt', 'Float', 'Decimal', 'Boolean', 'DateTime', 'Json', 'Bytes']);

const list = (text: string) => text.split(',').map((s) => s.trim().replace(/\(.*\)$/, '')).filter(Boolean);

export function readPrismaSchema(path: string): SchemaModel[] {
  const text = readFileSync(path, 'utf8').replace(/\/\/.*$/gm, '');
  const models: SchemaModel[] = [];
  for (const match of text.matchAll(/model\s+(\w+)\s*\{([\s\S]*?)\n\}/g)) {
    const [, name, body] = match as unknown as [string, string, string];
    const model: SchemaModel = { name, table: name, scalars: [], primaryKey: [], uniques: [], indexes: [], relations: [] };
    for (const rawLine of body.split('\n')) {
      const line = rawLine.trim();
      if (!line) continue;
      let m = /^@@map\("([^"]+)"\)/.exec(line);
      if (m) { model.table = m[1]!; continue; }
      m = /^@@id\(\[([^\]]+)\]/.exec(line);
      if (m) { model.primaryKey = list(m[1]!); continue; }
      m = /^@@unique\(\[([^\]]+)\]/.exec(line);
      if (m) { model.uniques.push(list(m[1]!)); continue; }
      m = /^@@index\(\[([^\]]+)\]/.exec(line);
      if (m) { model.indexes.push(list(m[1]!)); continue; }
      m = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!m) continue;
      const [, fieldName, type, isList, optional, rest] = m as unknown as [string, string, string, string | undefined, string | undefined, string];
      if (SCALAR_TYPES.has(type)) {
        model.scalars.push({ name: fieldName, type, optional: Boolean(optional), isList: Boolean(isList) });
        if (/@id\b/.test(rest)) model.primaryKey = [fieldName];
        if (/@unique\b/.test(rest)) model.uniques.push([fieldName]);
      } else {
        const relation = /@relation\(([^)]*)\)/.exec(rest);
        const fields = relation ? /fields:\s*\[([^\]]+)\]/.exec(relation[1]!) : null;
        if (relation && fields) {
          const references = /references:\s*\[([^\]]+)\]/.exec(relation[1]!);
          const onDelete = /onDelete:\s*(\w+)/.exec(relation[1]!);
          model.relations.push({ fields: list(fields[1]!), references: list(references?.[1] ?? ''), target: type, onDelete: onDelete?.[1] ?? null });
        }
      }
    }
    models.push(model);
  }
  return models;
}
