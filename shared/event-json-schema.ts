import * as z from 'zod';

/**
 * The JSON Schema of an event detail, generated from the zod schema the code validates or builds
 * it with (so the committed document cannot drift from it), each field with what it means.
 */
export function describedJsonSchema(
  schema: z.core.$ZodType,
  fields: Record<string, string>,
  document: { title: string; description: string },
): Record<string, unknown> {
  const { $schema, ...generated } = z.toJSONSchema(schema);
  const properties = (generated.properties ?? {}) as Record<string, unknown>;
  for (const [name, description] of Object.entries(fields)) {
    const property = properties[name];
    if (typeof property !== 'object') throw new Error(`The schema has no ${name}`);
    properties[name] = { description, ...property };
  }
  return { $schema, ...document, ...generated, properties };
}
