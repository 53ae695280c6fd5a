// Golden-file tests over __fixtures__ (layout in ../shared/golden.ts).
import { testGoldenFixtures } from '../shared/golden';
import { ollamaProvider } from './index';

testGoldenFixtures({
  label: 'ollama',
  dir: __dirname,
  provider: ollamaProvider,
  target: { provider: 'ollama', model: 'llama3.2', credentials: {}, options: {} },
});
