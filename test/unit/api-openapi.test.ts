import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  buildOpenApiDocument,
  COMPONENT_PREFIX,
  openApiPath,
} from '../../functions/api/openapi.js';
import { openApiDocument } from '../../functions/web/openapi-document.js';
import { NAMED_SCHEMAS } from '../../functions/api/responses.js';
import { ROUTES, type RouteSpec } from '../../functions/api/schemas.js';
import { repoRoot } from '../support/serverless.js';

const document = buildOpenApiDocument();

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refsIn(item, found));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.push(item);
      else refsIn(item, found);
    }
  }
  return found;
}

describe('the OpenAPI document', () => {
  it('is up to date: openapi-document.generated.ts holds what openapi-build.ts makes of the schemas', () => {
    // On failure: npx tsx functions/api/openapi-build.ts
    expect(openApiDocument()).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('is OpenAPI 3.1 with SigV4 security and every route', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.security).toEqual([{ sigv4: [] }]);
    for (const [id, spec] of Object.entries(ROUTES) as Array<[string, RouteSpec]>) {
      const operation = document.paths[openApiPath(spec.pattern)]?.get as {
        operationId: string;
        responses: Record<string, unknown>;
      };
      expect(operation.operationId).toBe(id);
      expect(Object.keys(operation.responses).sort()).toEqual(
        ['200', ...spec.errors.map(String), '500'].sort(),
      );
    }
  });

  it('says what the routes answer while a job runs', () => {
    const described = (path: string) =>
      (document.paths[path]?.get as { description?: string }).description ?? '';
    expect(described('/jobs')).toMatch(/carries its `progress`/);
    expect(described('/jobs/{jobName}')).toMatch(/PENDING, IN_PROGRESS or STOPPING, `progress`/);
    expect(described('/jobs/{jobName}/recommendations')).toMatch(/still runs .*`runningJob`/);
    expect(described('/jobs/{jobName}/benchmarks')).toMatch(/While the job runs, the steps/);
    const job = document.components.schemas.JobSummary as { properties: Record<string, unknown> };
    expect(refsIn(job.properties.progress)).toEqual([`${COMPONENT_PREFIX}Progress`]);
  });

  it('holds exactly the JSON Schemas z.toJSONSchema makes of the zod schemas', () => {
    const registry = z.registry<{ id: string }>();
    for (const [id, schema] of Object.entries(NAMED_SCHEMAS)) registry.add(schema, { id });
    const { schemas } = z.toJSONSchema(registry, {
      target: 'draft-2020-12',
      io: 'output',
      unrepresentable: 'any',
      uri: (id) => `${COMPONENT_PREFIX}${id}`,
    });
    expect(Object.keys(document.components.schemas).sort()).toEqual(Object.keys(schemas).sort());
    for (const [id, schema] of Object.entries(schemas)) {
      const { $schema: _s, $id: _i, ...rest } = schema as Record<string, unknown>;
      expect(document.components.schemas[id], id).toEqual(rest);
    }
  });

  it('describes each parameter by its zod schema and every $ref resolves', () => {
    for (const spec of Object.values(ROUTES) as RouteSpec[]) {
      const operation = document.paths[openApiPath(spec.pattern)]!.get as {
        parameters: Array<{ name: string; in: string; schema: unknown }>;
      };
      const expected = [
        ...Object.keys(spec.path.shape).map((name) => `path:${name}`),
        ...Object.keys(spec.query.shape).map((name) => `query:${name}`),
      ];
      expect(operation.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(expected);
      for (const parameter of operation.parameters) {
        const field = (parameter.in === 'path' ? spec.path : spec.query).shape[
          parameter.name
        ] as z.ZodType;
        const { $schema: _s, ...schema } = z.toJSONSchema(field, {
          target: 'draft-2020-12',
          io: 'output',
          unrepresentable: 'any',
        }) as Record<string, unknown>;
        expect(parameter.schema).toEqual(schema);
      }
    }
    for (const ref of refsIn(document)) {
      expect(ref.startsWith(COMPONENT_PREFIX), ref).toBe(true);
      expect(document.components.schemas).toHaveProperty(ref.slice(COMPONENT_PREFIX.length));
    }
  });
});

describe('the api function', () => {
  it('never scans: no Scan operation in its code', async () => {
    const dir = join(repoRoot, 'functions/api');
    const files = (await readdir(dir, { recursive: true })).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const source = await readFile(join(dir, file), 'utf8');
      expect(source, file).not.toMatch(/ScanCommand|paginateScan|dynamodb:Scan|\bScan\(/);
    }
  });
});
