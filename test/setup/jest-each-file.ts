// Runs before every test file: the AWS SDK mock matchers (toHaveReceivedCommandWith, …) and environment
// variables stubbed by a test restored after it.
import 'aws-sdk-client-mock-jest';
import { afterEach } from '@jest/globals';
import { restoreStubbedEnv } from '../support/env';

afterEach(() => {
  restoreStubbedEnv();
});
