import { brotliDecompressSync } from 'node:zlib';
import { OPENAPI_DOCUMENT_BROTLI } from './openapi-document.generated.js';

/** The OpenAPI document built at build time (openapi-build.ts), as GET /openapi.json sends it. */
export const openApiDocument = (): Record<string, unknown> =>
  JSON.parse(
    brotliDecompressSync(Buffer.from(OPENAPI_DOCUMENT_BROTLI, 'base64')).toString('utf8'),
  ) as Record<string, unknown>;
