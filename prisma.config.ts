// Configuration for the Prisma CLI (generate; migrate deploy on a connected machine).
// The bot itself never uses this file: it applies migrations with src/infra/db/migrate.ts.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    // The CLI is tooling, not the app, so it reads the variable directly (src/config.ts is the app's only reader).
    url: process.env['DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306/feelms',
  },
});
