import { parse, type CollectionTag, type ScalarTag } from 'yaml';

/** CloudFormation's short forms and the long forms they stand for. */
const SHORT_FORMS = [
  ['GetAtt', 'Fn::GetAtt'],
  ['Ref', 'Ref'],
  ['Sub', 'Fn::Sub'],
  ['Join', 'Fn::Join'],
  ['If', 'Fn::If'],
  ['Equals', 'Fn::Equals'],
  ['Select', 'Fn::Select'],
  ['Split', 'Fn::Split'],
  ['ImportValue', 'Fn::ImportValue'],
  ['FindInMap', 'Fn::FindInMap'],
  ['GetAZs', 'Fn::GetAZs'],
  ['Base64', 'Fn::Base64'],
  ['Not', 'Fn::Not'],
  ['And', 'Fn::And'],
  ['Or', 'Fn::Or'],
  ['Condition', 'Condition'],
] as const;

/**
 * The YAML tags of CloudFormation's short forms, each read as its long form as written
 * (`!GetAtt EventBus.Name` → `{ 'Fn::GetAtt': ['EventBus', 'Name'] }`), in scalar, sequence and
 * mapping form: the one schema the local stack, the IAM policy reader, the tests and the bench
 * read serverless.yml, the function files and CloudFormation templates with.
 */
export const cloudFormationTags: Array<ScalarTag | CollectionTag> = SHORT_FORMS.flatMap(
  ([tag, fn]): Array<ScalarTag | CollectionTag> => [
    {
      tag: `!${tag}`,
      resolve: (value: string) => ({ [fn]: fn === 'Fn::GetAtt' ? value.split('.') : value }),
    },
    { tag: `!${tag}`, collection: 'seq', resolve: (value) => ({ [fn]: value.toJSON() }) },
    { tag: `!${tag}`, collection: 'map', resolve: (value) => ({ [fn]: value.toJSON() }) },
  ],
);

/** A YAML document with CloudFormation's short forms; a key given twice is an error. */
export const parseCloudFormationYaml = (text: string): unknown =>
  parse(text, { customTags: cloudFormationTags, uniqueKeys: true });
