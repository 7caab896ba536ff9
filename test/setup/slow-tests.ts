import { jest } from '@jest/globals';

// Template tests package the stack; integration tests talk to a real broker: both outlast jest's 5 s default.
jest.setTimeout(120_000);
