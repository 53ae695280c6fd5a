// Golden-file tests over __fixtures__ (layout in ../shared/golden.ts).
import { testGoldenFixtures } from '../shared/golden';
import { mistralProvider } from './index';

testGoldenFixtures({
  label: 'mistral',
  dir: __dirname,
  provider: mistralProvider,
  target: { provider: 'mistral', model: 'mistral-large-latest', credentials: { apiKey: 'mi-key' }, options: {} },
});
