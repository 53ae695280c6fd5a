import type { ToolCall } from './types';

/** A tool call's name and the text the model wrote as its input (function arguments, or a custom tool's free-form input). */
export function toolCallInput(call: ToolCall): { name: string; text: string } {
  return call.type === 'custom' ? { name: call.custom.name, text: call.custom.input } : { name: call.function.name, text: call.function.arguments };
}
