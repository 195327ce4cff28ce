import { readFileSync } from 'node:fs';
import { CatalogFileError } from '../catalog-movie.ts';

/** Reads a catalog file, turning I/O errors into a CatalogFileError that names the file. */
export function readCatalogFile(file: string, encoding: BufferEncoding = 'utf8'): string {
  try {
    return readFileSync(file, encoding);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new CatalogFileError(file, reason);
  }
}
