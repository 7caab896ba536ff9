import { describe, expect, it } from '@jest/globals';
import { specProblems } from '../support/cfn-spec';
import { packagedTemplates } from '../support/template';

const templates = packagedTemplates();

describe.each(['dev', 'prod', 'byo', 'endpoints'] as const)(
  'sls package (%s) against the CloudFormation specification',
  (stage) => {
    it('uses only resource types and properties that exist, with values of the right kind', () => {
      expect(specProblems(templates[stage])).toEqual([]);
    });

    it('would notice a misspelt property', () => {
      const template = structuredClone(templates[stage]);
      const bucket = template.Resources.DataBucket;
      if (!bucket) throw new Error('no DataBucket');
      bucket.Properties.BucketEncription = bucket.Properties.BucketEncryption;
      expect(specProblems(template)).toContain(
        'DataBucket(AWS::S3::Bucket).BucketEncription: no such property',
      );
    });
  },
);
