import { join } from 'node:path';
import {
  TemplateResolver,
  loadRolePolicies,
  type CloudFormationTemplate,
  type TemplateEnvironment,
} from '../../local/aws/iam/template-policies.js';
import { readServerlessDocument } from '../../local/stack/serverless-config.js';
import { repoRoot } from './serverless.js';

/** The spoke template each watched account deploys (README: Many accounts). */
export const SPOKE_TEMPLATE_PATH = join(repoRoot, 'spoke/template.yml');

/** The values of spoke/template.yml's parameters for one stack. */
export interface SpokeParameters {
  HubAccountId: string;
  HubRegion: string;
  HubStage: string;
  ExternalId: string;
  ReaderRoleRegion?: string;
}

/** spoke/template.yml as written: intrinsics kept, parameters with their own defaults. */
export function readSpokeTemplate(): CloudFormationTemplate {
  return readServerlessDocument(SPOKE_TEMPLATE_PATH, 'spoke') as CloudFormationTemplate;
}

export interface SpokeStack {
  template: CloudFormationTemplate;
  environment: TemplateEnvironment;
  resolver: TemplateResolver;
  roles: ReturnType<typeof loadRolePolicies>;
}

/**
 * One stack of spoke/template.yml in an account and region, with the given parameter values
 * (the template resolver reads a parameter's value from its Default).
 */
export function spokeStack(
  account: string,
  region: string,
  parameters: SpokeParameters,
  template: CloudFormationTemplate = readSpokeTemplate(),
): SpokeStack {
  const declared = template.Parameters ?? {};
  const unknown = Object.keys(parameters).filter((name) => !(name in declared));
  if (unknown.length > 0) {
    throw new Error(`spoke/template.yml has no parameter ${unknown.join(', ')}`);
  }
  const withValues: CloudFormationTemplate = {
    ...template,
    Parameters: Object.fromEntries(
      Object.entries(declared).map(([name, declaration]) => [
        name,
        {
          ...declaration,
          Default: parameters[name as keyof SpokeParameters] ?? declaration.Default,
        },
      ]),
    ),
  };
  const environment: TemplateEnvironment = {
    account,
    region,
    stage: parameters.HubStage,
    service: 'irwatch-spoke',
  };
  return {
    template: withValues,
    environment,
    resolver: new TemplateResolver(withValues, environment),
    roles: loadRolePolicies(withValues, environment),
  };
}
