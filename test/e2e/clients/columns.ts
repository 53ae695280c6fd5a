// The matrix's columns: every client, its modes and how it runs. Adding a
// client = adding a column here (a Python script in python/ or a function in
// node-clients.ts); adding a provider = adding a row to the conformance
// table (../conformance/providers.ts).
import type { TraceIngress } from '../../../plugin/contract';
import type { Mode } from './cells';
import { anthropicNode, openAINode, vercelCompatible, vercelOpenAI, type NodeClient } from './node-clients';

export interface Column {
  id: string;
  /** Shown in the matrix. */
  label: string;
  modes: Mode[];
  /** The gateway API the client speaks (its traces say so). */
  api: TraceIngress;
  runner: { python: string; plan?: Record<string, unknown> } | { node: NodeClient };
  /** The column only applies once the gateway serves this API (probed before the run). */
  needs?: 'responses';
}

const whole = (label: string): Mode => ({ id: 'whole', label, stream: false });
const streamed = (label: string): Mode => ({ id: 'stream', label, stream: true });

export const COLUMNS: Column[] = [
  {
    id: 'adk',
    label: 'Google ADK + LiteLLM',
    modes: [whole('StreamingMode.NONE'), streamed('StreamingMode.SSE')],
    api: 'openai',
    runner: { python: 'adk_agent.py' },
  },
  {
    id: 'agents-chat',
    label: 'OpenAI Agents SDK (Chat Completions model)',
    modes: [whole('Runner.run'), streamed('Runner.run_streamed')],
    api: 'openai',
    runner: { python: 'openai_agents_sdk.py', plan: { api: 'chat' } },
  },
  {
    id: 'agents-responses',
    label: 'OpenAI Agents SDK (default Responses model)',
    modes: [whole('Runner.run'), streamed('Runner.run_streamed')],
    api: 'responses',
    runner: { python: 'openai_agents_sdk.py', plan: { api: 'responses' } },
    needs: 'responses',
  },
  {
    id: 'langchain',
    label: 'LangChain ChatOpenAI.bind_tools',
    modes: [whole('invoke'), streamed('stream')],
    api: 'openai',
    runner: { python: 'langchain_chat.py' },
  },
  {
    id: 'openai-py',
    label: 'openai (Python)',
    modes: [whole('create'), streamed('create(stream=True)')],
    api: 'openai',
    runner: { python: 'openai_python.py' },
  },
  {
    id: 'openai-py-responses',
    label: 'openai (Python) responses.create + previous_response_id',
    modes: [whole('responses.create'), streamed('responses.stream')],
    api: 'responses',
    runner: { python: 'openai_responses.py' },
    needs: 'responses',
  },
  {
    id: 'openai-node',
    label: 'openai (Node)',
    modes: [whole('create'), streamed('create({stream: true})')],
    api: 'openai',
    runner: { node: openAINode },
  },
  {
    id: 'vercel-openai',
    label: 'Vercel AI SDK, @ai-sdk/openai .chat()',
    modes: [whole('generateText'), streamed('streamText')],
    api: 'openai',
    runner: { node: vercelOpenAI },
  },
  {
    id: 'vercel-compatible',
    label: 'Vercel AI SDK, @ai-sdk/openai-compatible',
    modes: [whole('generateText'), streamed('streamText')],
    api: 'openai',
    runner: { node: vercelCompatible },
  },
  {
    id: 'anthropic-node',
    label: '@anthropic-ai/sdk on /gateway/anthropic',
    modes: [whole('messages.create'), streamed('messages.stream')],
    api: 'anthropic',
    runner: { node: anthropicNode },
  },
];
