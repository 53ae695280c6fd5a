// Amazon Bedrock's facts as data (see ../descriptor.ts).
import type { ProviderDescriptor } from '../descriptor';

export const bedrockDescriptor = {
  name: 'Bedrock',
  // SigV4: a key pair and the region it signs for (a session token for temporary credentials).
  credentials: { required: ['accessKeyId', 'secretAccessKey', 'region'], optional: ['sessionToken'] },
  secretOptional: false,
  baseUrl: { shape: 'root', suffixes: [], example: 'https://bedrock-runtime.us-east-1.amazonaws.com' },
  officialHosts: ['bedrock-runtime.*.amazonaws.com', 'bedrock-runtime-fips.*.amazonaws.com', 'bedrock-runtime.*.amazonaws.com.cn'],
  priceTable: 'aws',
  capabilities: {
    tools: true,
    jsonSchema: true,
    streamFraming: 'aws-eventstream',
    multipleChoices: false,
    logprobs: false,
    audioInput: false,
    files: true,
    // Titan embeds one text per call, Cohere on Bedrock up to 96; other families are not capped here.
    embeddings: { maxInputsByFamily: { titan: 1, cohere: 96 } },
  },
} satisfies ProviderDescriptor;
