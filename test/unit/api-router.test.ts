import { describe, expect, it } from 'vitest';
import { ProblemError } from '../../functions/api/problem.js';
import { compilePattern, decodeParams, matchPath } from '../../functions/api/router.js';

const jobs = compilePattern('/jobs/{jobName}');
const recommendation = compilePattern('/jobs/{jobName}/recommendations/{id+}');
const modelJobs = compilePattern('/models/{modelName+}/jobs');

describe('matchPath', () => {
  it('matches literal and single-segment parameters, and a trailing slash', () => {
    expect(matchPath(compilePattern('/jobs'), '/jobs')).toEqual({});
    expect(matchPath(compilePattern('/jobs'), '/jobs/')).toEqual({});
    expect(matchPath(jobs, '/jobs/a-1')).toEqual({ jobName: 'a-1' });
    expect(matchPath(jobs, '/jobs')).toBeUndefined();
    expect(matchPath(jobs, '/jobs/a/b')).toBeUndefined();
    expect(matchPath(jobs, '/jobz/a')).toBeUndefined();
    expect(matchPath(compilePattern('/'), '/')).toEqual({});
  });

  it('lets a greedy parameter take slashes, at the end or before literal segments', () => {
    expect(matchPath(recommendation, '/jobs/j/recommendations/j/abc')).toEqual({
      jobName: 'j',
      id: 'j/abc',
    });
    expect(matchPath(recommendation, '/jobs/j/recommendations/abc')).toEqual({
      jobName: 'j',
      id: 'abc',
    });
    expect(matchPath(recommendation, '/jobs/j/recommendations')).toBeUndefined();
    const arn = 'arn:aws:sagemaker:us-east-1:111122223333:model-package/jobs/3';
    expect(matchPath(modelJobs, `/models/${arn}/jobs`)).toEqual({ modelName: arn });
    expect(matchPath(modelJobs, '/models/m/jobs')).toEqual({ modelName: 'm' });
    expect(matchPath(modelJobs, '/models/jobs')).toBeUndefined();
    expect(matchPath(modelJobs, '/models/m/recommendations')).toBeUndefined();
  });

  it('refuses patterns with two greedy parameters', () => {
    expect(() => compilePattern('/{a+}/x/{b+}')).toThrow();
  });
});

describe('decodeParams', () => {
  it('decodes escapes that are still there, per segment', () => {
    expect(decodeParams({ id: 'j%2Fabc' })).toEqual({ id: 'j/abc' });
    expect(decodeParams({ id: 'j/a%20b' })).toEqual({ id: 'j/a b' });
  });

  it('answers 400 naming the parameter for broken percent-encoding', () => {
    try {
      decodeParams({ jobName: '%E0%A4%A' });
      throw new Error('expected a 400');
    } catch (error) {
      expect(error).toBeInstanceOf(ProblemError);
      expect((error as ProblemError).extra.invalidParams?.[0]?.name).toBe('jobName');
    }
  });
});
