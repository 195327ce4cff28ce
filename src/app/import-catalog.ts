/**
 * Parse → report → bulk write: shared by `npm run data:import` and first start.
 */
import type { DatabaseConfig } from '../config.ts';
import { formatReport, type ImportReport } from '../catalog/catalog-movie.ts';
import { parseCatalog, type CatalogSource } from '../catalog/parse-catalog.ts';
import { writeCatalog, type CatalogWriteResult } from '../infra/db/catalog-writer.ts';

export interface ImportOutcome {
  report: ImportReport;
  written: CatalogWriteResult;
  seconds: number;
}

export async function importCatalog(
  database: DatabaseConfig,
  source: CatalogSource,
  file: string | undefined,
  print: (line: string) => void,
): Promise<ImportOutcome> {
  const started = performance.now();
  const { movies, report } = parseCatalog(source, file);
  let lastPercent = -1;
  const written = await writeCatalog(database, movies, (done, total) => {
    const percent = Math.floor((100 * done) / total);
    if (percent >= lastPercent + 25 || done === total) {
      lastPercent = percent;
      print(`  loading movies… ${done}/${total}`);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  print(formatReport(report, written));
  return { report, written, seconds };
}
