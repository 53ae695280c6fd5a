// Golden-file tests over __fixtures__ (layout in ../shared/golden.ts).
import { testGoldenFixtures } from '../shared/golden';
import { geminiProvider } from './index';

testGoldenFixtures({
  label: 'gemini',
  dir: __dirname,
  provider: geminiProvider,
  target: { provider: 'gemini', model: 'gemini-2.0-flash', credentials: { apiKey: 'test-key' }, options: {} },
});
