import { describe, expect, it } from 'vitest';
import { endpointsIn } from '../../src/sandbox/start.js';

describe('endpointsIn', () => {
  it('finds the loopback API endpoints an agent is pointed at, and nothing else', () => {
    expect(endpointsIn({
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:41234',
      GOOGLE_GEMINI_BASE_URL: 'https://localhost/v1',
      OPENAI_API_URL: 'http://127.0.0.2:80',
      REMOTE_BASE_URL: 'https://api.example.com',
      HOME: 'http://127.0.0.1:1',
      BROKEN_BASE_URL: 'not a url',
    })).toEqual(['127.0.0.1:41234', 'localhost:443', '127.0.0.2:80']);
  });
});
