// Golden-file tests over __fixtures__ (layout in ../shared/golden.ts).
import { testGoldenFixtures } from '../shared/golden';
import { cohereProvider } from './index';

testGoldenFixtures({
  label: 'cohere',
  dir: __dirname,
  provider: cohereProvider,
  target: { provider: 'cohere', model: 'command-a-03-2025', credentials: { apiKey: 'co-key' }, options: {} },
});
