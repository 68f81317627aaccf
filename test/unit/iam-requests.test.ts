import { describe, expect, it } from 'vitest';
import {
  dynamodbProtocol,
  eventBridgeProtocol,
  sagemakerProtocol,
  snsProtocol,
  stsProtocol,
} from '../../local/aws/iam/requests.js';

const where = { account: '123456789012', region: 'eu-west-1' };
const table = `arn:aws:dynamodb:eu-west-1:123456789012:table/t`;

describe('what a call asks of IAM', () => {
  it('DynamoDB: the partition keys a call touches are its dynamodb:LeadingKeys', async () => {
    expect(
      await dynamodbProtocol.authorize(
        'GetItem',
        { TableName: 't', Key: { PK: { S: 'DETECTOR' }, SK: { S: 'W' } } },
        where,
      ),
    ).toEqual([
      {
        action: 'dynamodb:GetItem',
        resource: table,
        context: { 'dynamodb:LeadingKeys': ['DETECTOR'] },
      },
    ]);
    expect(
      await dynamodbProtocol.authorize(
        'Query',
        {
          TableName: 't',
          KeyConditionExpression: '#sk > :from AND #pk = :pk',
          ExpressionAttributeNames: { '#pk': 'PK', '#sk': 'SK' },
          ExpressionAttributeValues: { ':pk': { S: 'JOB#a' }, ':from': { S: 'A' } },
        },
        where,
      ),
    ).toEqual([
      { action: 'dynamodb:Query', resource: table, context: { 'dynamodb:LeadingKeys': ['JOB#a'] } },
    ]);
    const [byIndex] = await dynamodbProtocol.authorize(
      'Query',
      {
        TableName: 't',
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :s',
        ExpressionAttributeValues: { ':s': { S: 'STATUS#COMPLETED' } },
      },
      where,
    );
    expect(byIndex).toEqual({
      action: 'dynamodb:Query',
      resource: `${table}/index/GSI1`,
      context: { 'dynamodb:LeadingKeys': ['STATUS#COMPLETED'] },
    });
  });

  it('DynamoDB: a batch asks once per table, with every key of it', async () => {
    const [write] = await dynamodbProtocol.authorize(
      'BatchWriteItem',
      {
        RequestItems: {
          t: [
            { PutRequest: { Item: { PK: { S: 'DETECTOR' }, SK: { S: '1' } } } },
            { DeleteRequest: { Key: { PK: { S: 'JOB#x' }, SK: { S: 'JOB' } } } },
            { PutRequest: { Item: { PK: { S: 'DETECTOR' }, SK: { S: '2' } } } },
          ],
        },
      },
      where,
    );
    expect(write!.context['dynamodb:LeadingKeys']).toEqual(['DETECTOR', 'JOB#x']);
  });

  it('SageMaker: job actions name the job ARN (lower case, as SageMaker writes it); list actions only "*"', async () => {
    expect(
      await sagemakerProtocol.authorize(
        'DescribeInferenceRecommendationsJob',
        { JobName: 'My-Job' },
        where,
      ),
    ).toEqual([
      {
        action: 'sagemaker:DescribeInferenceRecommendationsJob',
        resource: 'arn:aws:sagemaker:eu-west-1:123456789012:inference-recommendations-job/my-job',
        context: {},
      },
    ]);
    const [steps] = await sagemakerProtocol.authorize(
      'ListInferenceRecommendationsJobSteps',
      { JobName: 'j' },
      where,
    );
    expect(steps!.resource).toBe('*');
    const create = await sagemakerProtocol.authorize(
      'CreateInferenceRecommendationsJob',
      {
        JobName: 'j',
        RoleArn: 'arn:aws:iam::123456789012:role/r',
        Tags: [{ Key: 'team', Value: 'ml' }],
      },
      where,
    );
    expect(create[0]!.context).toEqual({ 'aws:TagKeys': ['team'], 'aws:RequestTag/team': 'ml' });
    expect(create[1]).toEqual({
      action: 'iam:PassRole',
      resource: 'arn:aws:iam::123456789012:role/r',
      context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
    });
  });

  it('EventBridge: PutEvents asks once per bus, with the sources and detail types put on it', async () => {
    expect(
      await eventBridgeProtocol.authorize(
        'PutEvents',
        {
          Entries: [
            { EventBusName: 'irwatch-x', Source: 'irwatch', DetailType: 'A' },
            { Source: 'other', DetailType: 'B' },
            { EventBusName: 'irwatch-x', Source: 'irwatch', DetailType: 'C' },
          ],
        },
        where,
      ),
    ).toEqual([
      {
        action: 'events:PutEvents',
        resource: 'arn:aws:events:eu-west-1:123456789012:event-bus/irwatch-x',
        context: { 'events:source': ['irwatch'], 'events:detail-type': ['A', 'C'] },
      },
      {
        action: 'events:PutEvents',
        resource: 'arn:aws:events:eu-west-1:123456789012:event-bus/default',
        context: { 'events:source': ['other'], 'events:detail-type': ['B'] },
      },
    ]);
  });

  it('SNS: a subscription call names its topic', async () => {
    const [call] = await snsProtocol.authorize(
      'Unsubscribe',
      { SubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:topic:0f1e2d' },
      where,
    );
    expect(call!.resource).toBe('arn:aws:sns:eu-west-1:123456789012:topic');
  });
});

describe('what an STS call asks of IAM', () => {
  it('AssumeRole names the role, with the external ID and session name as sts: context', async () => {
    const role = 'arn:aws:iam::111111111111:role/irwatch-local-reader';
    expect(
      await stsProtocol.authorize(
        'AssumeRole',
        { RoleArn: role, RoleSessionName: 'detect', ExternalId: 'x-123' },
        where,
      ),
    ).toEqual([
      {
        action: 'sts:AssumeRole',
        resource: role,
        context: { 'sts:ExternalId': 'x-123', 'sts:RoleSessionName': 'detect' },
      },
    ]);
    // Without an external ID the key is absent, so a trust policy's StringEquals on it fails.
    const [request] = await stsProtocol.authorize(
      'AssumeRole',
      { RoleArn: role, RoleSessionName: 'detect' },
      where,
    );
    expect(request!.context).toEqual({ 'sts:RoleSessionName': 'detect' });
  });

  it('GetCallerIdentity asks nothing: anyone signed may ask who they are', async () => {
    expect(await stsProtocol.authorize('GetCallerIdentity', {}, where)).toEqual([]);
  });
});

describe('what a projected read asks of IAM', () => {
  it('names the attributes it reads (dynamodb:Attributes) and SPECIFIC_ATTRIBUTES', async () => {
    const [read] = await dynamodbProtocol.authorize(
      'BatchGetItem',
      {
        RequestItems: {
          t: {
            Keys: [{ PK: { S: 'JOB#a' }, SK: { S: 'JOB' } }],
            ProjectionExpression: '#a0, #a1, lastModifiedTime',
            ExpressionAttributeNames: { '#a0': 'PK', '#a1': 'status' },
          },
        },
      },
      where,
    );
    expect(read!.context).toEqual({
      'dynamodb:LeadingKeys': ['JOB#a'],
      'dynamodb:Attributes': ['PK', 'status', 'lastModifiedTime'],
      'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
    });
  });
});
