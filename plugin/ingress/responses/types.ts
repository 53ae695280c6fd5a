// The slice of OpenAI's Responses API the gateway speaks (request, items,
// the Response object and its stream events), as the `openai` SDKs type it.
// https://platform.openai.com/docs/api-reference/responses

export interface InputTextPart {
  type: 'input_text';
  text: string;
}
export interface InputImagePart {
  type: 'input_image';
  image_url?: string | null;
  file_id?: string | null;
  detail?: 'low' | 'high' | 'auto' | 'original' | null;
}
export interface OutputTextPart {
  type: 'output_text';
  text: string;
  annotations: unknown[];
}
export interface RefusalPart {
  type: 'refusal';
  refusal: string;
}

export type InputPart = InputTextPart | InputImagePart | OutputTextPart | RefusalPart;

export interface MessageItem {
  type?: 'message';
  id?: string;
  role: 'user' | 'assistant' | 'system' | 'developer';
  content: string | InputPart[];
  status?: string;
}

export interface FunctionCallItem {
  type: 'function_call';
  id?: string;
  call_id: string;
  name: string;
  arguments: string;
  status?: 'in_progress' | 'completed' | 'incomplete';
}

export interface FunctionCallOutputItem {
  type: 'function_call_output';
  id?: string | null;
  call_id: string;
  output: string | Array<InputTextPart | InputImagePart>;
}

export interface ReasoningItem {
  type: 'reasoning';
  id: string;
  summary: Array<{ type: 'summary_text'; text: string }>;
  content?: Array<{ type: 'reasoning_text'; text: string }>;
  /** Opaque state the client hands back (here: the provider's signed reasoning, see carried-state.ts). */
  encrypted_content?: string | null;
  status?: 'in_progress' | 'completed' | 'incomplete';
}

export type InputItem = MessageItem | FunctionCallItem | FunctionCallOutputItem | ReasoningItem;

export interface ResponsesFunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

export type ResponsesToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; name: string };

export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; description?: string; strict?: boolean | null };

export interface ResponsesRequest {
  model: string;
  input?: string | InputItem[];
  instructions?: string | null;
  tools?: ResponsesFunctionTool[];
  tool_choice?: ResponsesToolChoice;
  parallel_tool_calls?: boolean | null;
  temperature?: number | null;
  top_p?: number | null;
  max_output_tokens?: number | null;
  text?: { format?: TextFormat; verbosity?: string | null };
  reasoning?: { effort?: string | null; summary?: string | null } | null;
  metadata?: Record<string, string> | null;
  user?: string;
  store?: boolean | null;
  previous_response_id?: string | null;
  stream?: boolean | null;
  [extra: string]: unknown;
}

export type OutputMessageItem = { type: 'message'; id: string; role: 'assistant'; status: ItemStatus; content: Array<OutputTextPart | RefusalPart> };
export type OutputFunctionCallItem = FunctionCallItem & { id: string; status: ItemStatus };
export type OutputReasoningItem = ReasoningItem & { status?: ItemStatus };
export type OutputItem = OutputMessageItem | OutputFunctionCallItem | OutputReasoningItem;
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  metadata: Record<string, string>;
  model: string;
  output: OutputItem[];
  output_text: string;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: TextFormat };
  tool_choice: ResponsesToolChoice;
  tools: ResponsesFunctionTool[];
  top_p: number | null;
  truncation: 'disabled';
  usage: ResponsesUsage | null;
  user: string | null;
}

/** A stream event before its sequence number is stamped on. */
export type ResponsesEvent = { type: string; [field: string]: unknown };
