// `npm run fake-provider -- [openai|anthropic] [port]`: a fake provider for
// trying the gateway without network access (the same servers the tests use).
import { startFakeAnthropic } from '../test/fake-providers/anthropic';
import { startFakeOpenAI } from '../test/fake-providers/openai';

async function main(): Promise<void> {
  const [kind = 'openai', port] = process.argv.slice(2);
  if (port) process.env.FAKE_PROVIDER_PORT = port;
  const apiKey = process.env.FAKE_PROVIDER_KEY ?? 'sk-fake';
  const fake = kind === 'anthropic' ? await startFakeAnthropic({ apiKey }) : await startFakeOpenAI({ apiKey });
  console.log(`fake ${kind} provider at ${fake.url} (accepts the key '${apiKey}'; answers "echo: <your last message>")`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
