import * as z from 'zod/mini';
import { NAMED_SCHEMAS, RESPONSES } from './responses.js';
import { PARAMETER_DOCS, ROUTE_DOCS } from './openapi-docs.js';
import { ROUTES, type RouteId, type RouteSpec } from './schemas.js';

/**
 * The OpenAPI 3.1 document, generated from the zod schemas the router validates with: named
 * response schemas become components (z.toJSONSchema over a registry), parameters are described
 * by the typed values their schemas produce.
 */

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema> };
};

export const COMPONENT_PREFIX = '#/components/schemas/';
const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

const toJsonSchemaOptions = {
  target: 'draft-2020-12',
  io: 'output',
  unrepresentable: 'any',
} as const;

/** OpenAPI states the dialect once; `$id`s of the form `#/...` are not valid 2020-12 ids. */
function withoutSchemaHeader(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

export function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(NAMED_SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    ...toJsonSchemaOptions,
    uri: (id) => `${COMPONENT_PREFIX}${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => [id, withoutSchemaHeader(schema as JsonSchema)]),
  );
}

function schemaOrRef(schema: z.core.$ZodType): JsonSchema {
  const name = Object.entries(NAMED_SCHEMAS).find(([, named]) => named === schema)?.[0];
  if (name) return { $ref: `${COMPONENT_PREFIX}${name}` };
  return withoutSchemaHeader(z.toJSONSchema(schema, toJsonSchemaOptions) as JsonSchema);
}

/** A parameter's words (openapi-docs.ts); a parameter without them is a mistake. */
function describedBy(operationId: RouteId, name: string): { description: string } {
  const description = PARAMETER_DOCS[operationId][name];
  if (!description) {
    throw new Error(`openapi-docs.ts: no description of parameter ${name} of ${operationId}`);
  }
  return { description };
}

export const openApiPath = (pattern: string) => pattern.replace(/\{(\w+)\+\}/g, '{$1}');

function parameters(operationId: RouteId, spec: RouteSpec): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, object] of [
    ['path', spec.path],
    ['query', spec.query],
  ] as const) {
    for (const [name, field] of Object.entries(object.shape as Record<string, z.core.$ZodType>)) {
      const described = describedBy(operationId, name);
      // The schema says it too, for tools that show a parameter's schema alone.
      const schema: JsonSchema = {
        ...withoutSchemaHeader(z.toJSONSchema(field, toJsonSchemaOptions) as JsonSchema),
        ...described,
      };
      list.push({
        name,
        in: where,
        required: where === 'path' || !z.safeParse(field, undefined).success,
        ...described,
        ...(schema.type === 'array' ? { style: 'form', explode: false } : {}),
        schema,
      });
    }
  }
  return list;
}

const problemContent = {
  'application/problem+json': { schema: { $ref: `${COMPONENT_PREFIX}Problem` } },
};

const ERROR_DESCRIPTIONS = {
  400: 'A parameter is invalid: `invalidParams` names it and what is allowed.',
  404: 'No such job, recommendation or model.',
  409: 'The job name is recorded in more than one account or region: `matches` lists them. On a plan with source=sagemaker: the job cannot be asked about (not COMPLETED, or no real-time entry serves the traffic).',
  502: 'SageMaker refused the request irwatch made for this answer; `detail` gives its error.',
  503: 'SageMaker throttled or was unavailable; retry later.',
  500: 'Something failed inside; `correlationId` finds it in the logs.',
} as const;

export function buildOpenApiDocument(): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const [operationId, spec] of Object.entries(ROUTES) as Array<[RouteId, RouteSpec]>) {
    const docs = ROUTE_DOCS[operationId];
    const responses: Record<string, unknown> = {
      200: {
        description: docs.summary,
        content: { 'application/json': { schema: schemaOrRef(RESPONSES[operationId]) } },
      },
    };
    for (const status of [...spec.errors, 500] as const) {
      responses[status] = { description: ERROR_DESCRIPTIONS[status], content: problemContent };
    }
    const path = openApiPath(spec.pattern);
    paths[path] = {
      ...paths[path],
      [spec.method.toLowerCase()]: {
        operationId,
        summary: docs.summary,
        ...(docs.description ? { description: docs.description } : {}),
        parameters: parameters(operationId, spec),
        responses,
      },
    };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: JSON_SCHEMA_DIALECT,
    info: {
      title: 'irwatch',
      version: '0.1.0',
      description:
        'SageMaker Inference Recommender jobs and their recommendations, as irwatch stored them. Deployed, every route needs AWS SigV4 (IAM authorization); errors are application/problem+json (RFC 9457).',
    },
    security: [{ sigv4: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (service execute-api)',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  } as OpenApiDocument;
}
