import definition from './table-definition.json' with { type: 'json' };

/**
 * The one definition of irwatch's table: serverless.yml reads table-definition.json for the
 * CloudFormation resource, the tests create their tables from it, and the key builders below
 * take their attribute names from it.
 */
export interface TableDefinition {
  AttributeDefinitions: Array<{ AttributeName: string; AttributeType: 'S' | 'N' | 'B' }>;
  KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
  GlobalSecondaryIndexes: Array<{
    IndexName: string;
    KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
    Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
  }>;
}

export const tableDefinition = definition as TableDefinition;

export interface KeyAttributes {
  pk: string;
  sk: string;
}

export interface TableLayout {
  primary: KeyAttributes;
  /** Jobs by status, newest first. */
  byStatus: KeyAttributes & { indexName: string };
  /** Jobs of a model, newest first. */
  byModel: KeyAttributes & { indexName: string };
}

function keyAttributes(schema: TableDefinition['KeySchema'], where: string): KeyAttributes {
  const pk = schema.find((key) => key.KeyType === 'HASH')?.AttributeName;
  const sk = schema.find((key) => key.KeyType === 'RANGE')?.AttributeName;
  if (!pk || !sk) throw new Error(`Table definition: ${where} needs a HASH and a RANGE key`);
  return { pk, sk };
}

export function tableLayout(table: TableDefinition): TableLayout {
  const [byStatus, byModel] = table.GlobalSecondaryIndexes;
  if (!byStatus || !byModel)
    throw new Error('Table definition: two global secondary indexes expected');
  return {
    primary: keyAttributes(table.KeySchema, 'the table'),
    byStatus: {
      indexName: byStatus.IndexName,
      ...keyAttributes(byStatus.KeySchema, byStatus.IndexName),
    },
    byModel: {
      indexName: byModel.IndexName,
      ...keyAttributes(byModel.KeySchema, byModel.IndexName),
    },
  };
}

export const layout = tableLayout(tableDefinition);

/** Key values; what they are stored under comes from the layout. */
export const keyValues = {
  jobPk: (jobName: string) => `JOB#${jobName}`,
  jobSk: 'JOB',
  recommendationSk: (recommendationId: string) => `REC#${recommendationId}`,
  recommendationPrefix: 'REC#',
  stepSk: (index: number) => `STEP#${String(index).padStart(5, '0')}`,
  stepPrefix: 'STEP#',
  performanceSk: (endpointName: string) => `PERF#${endpointName}`,
  performancePrefix: 'PERF#',
  /** Chunk `index` of the job's recommendation summary (see summaryItems in items.ts). */
  summarySk: (index: number) => `SUMMARY#${String(index).padStart(5, '0')}`,
  summaryPrefix: 'SUMMARY#',
  notificationSk: (status: string) => `NOTIFY#${status}`,
  statusPk: (status: string) => `STATUS#${status}`,
  statusSk: (lastModifiedTime: string, jobName: string) => `${lastModifiedTime}#${jobName}`,
  modelPk: (model: string) => `MODEL#${model}`,
  modelSk: (creationTime: string, jobName: string) => `${creationTime}#${jobName}`,
  detectorPk: 'DETECTOR',
  watermarkSk: 'WATERMARK',
  seenSk: (jobName: string) => `SEEN#${jobName}`,
} as const;

export type Key = Record<string, string>;

/** Builds keys with the attribute names of a layout, so a renamed attribute changes them all. */
export function keyBuilders(tableLayout: TableLayout) {
  const { primary, byStatus, byModel } = tableLayout;
  const key = (pk: string, sk: string): Key => ({ [primary.pk]: pk, [primary.sk]: sk });
  return {
    job: (jobName: string) => key(keyValues.jobPk(jobName), keyValues.jobSk),
    recommendation: (jobName: string, recommendationId: string) =>
      key(keyValues.jobPk(jobName), keyValues.recommendationSk(recommendationId)),
    step: (jobName: string, index: number) =>
      key(keyValues.jobPk(jobName), keyValues.stepSk(index)),
    performance: (jobName: string, endpointName: string) =>
      key(keyValues.jobPk(jobName), keyValues.performanceSk(endpointName)),
    summary: (jobName: string, index: number) =>
      key(keyValues.jobPk(jobName), keyValues.summarySk(index)),
    notification: (jobName: string, status: string) =>
      key(keyValues.jobPk(jobName), keyValues.notificationSk(status)),
    watermark: () => key(keyValues.detectorPk, keyValues.watermarkSk),
    seen: (jobName: string) => key(keyValues.detectorPk, keyValues.seenSk(jobName)),
    statusIndex: (status: string, lastModifiedTime: string, jobName: string): Key => ({
      [byStatus.pk]: keyValues.statusPk(status),
      [byStatus.sk]: keyValues.statusSk(lastModifiedTime, jobName),
    }),
    modelIndex: (model: string, creationTime: string, jobName: string): Key => ({
      [byModel.pk]: keyValues.modelPk(model),
      [byModel.sk]: keyValues.modelSk(creationTime, jobName),
    }),
  };
}

export const keys = keyBuilders(layout);

/** CreateTable input for a table of this definition (tests, the local stack). */
export function createTableInput(tableName: string, table: TableDefinition = tableDefinition) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: table.AttributeDefinitions,
    KeySchema: table.KeySchema,
    GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
  };
}
