// The matrix's vocabulary: a cell is one client (column) in one mode against
// one provider (row). Every cell runs the same two-turn conversation (see
// python/conversation.py, the source of truth both languages follow): a
// weather question answered through a tool round trip, then a follow-up.
import type { ProviderId, TraceIngress } from '../../../plugin/contract';

export interface Mode {
  id: string;
  /** How the client's own API names it (shown in the matrix). */
  label: string;
  stream: boolean;
}

export interface Cell {
  /** `<column>/<mode>/<provider>` */
  id: string;
  column: string;
  mode: string;
  stream: boolean;
  provider: ProviderId;
  /** The gateway API the client speaks. */
  api: TraceIngress;
  /** The gateway endpoint (the `model` the client sends). */
  model: string;
  city: string;
  /** The follow-up asks for these two at once (parallel tool calls). */
  follow_cities: [string, string];
  /** Unique text in the cell's user messages: finds the cell's requests at the fake provider. */
  marker: string;
}

/** What a client reports for a cell. */
export interface CellRun {
  id: string;
  /** Every call of the client-side tool, with the arguments it got. */
  tool_calls: Array<{ city: string }>;
  /** The agent's final answer of each turn. */
  answers: string[];
  error?: string;
  trace?: string;
  seconds?: number;
}

export interface CellOutcome {
  id: string;
  column: string;
  mode: string;
  provider: ProviderId;
  status: 'pass' | 'fail' | 'known' | 'n/a';
  /** Why it failed, is known to fail, or does not apply. */
  reason?: string;
  seconds?: number;
}

const CITIES = ['Paris', 'Tokyo', 'Lima', 'Oslo', 'Cairo', 'Quito', 'Hanoi', 'Dakar', 'Sofia', 'Perth', 'Bogota', 'Nairobi'];

export const cityFor = (n: number): string => CITIES[n % CITIES.length]!;
export const markerFor = (n: number): string => `m${String(n).padStart(4, '0')}`;

/** The conversation (mirrors python/conversation.py): one tool call, then two in parallel. */
export const firstQuestion = (c: Pick<Cell, 'city' | 'marker'>): string => `What is the weather in ${c.city}? [${c.marker}]`;
export const followUp = (c: Pick<Cell, 'follow_cities' | 'marker'>): string =>
  `Thanks. And the weather in ${c.follow_cities[0]} and ${c.follow_cities[1]}? [${c.marker}]`;
export const weatherReport = (city: string): string => `${city}: sunny, 21 C`;
export const TOOL_DESCRIPTION = 'Get the current weather for a city.';
export const WEATHER_PARAMETERS = {
  type: 'object',
  properties: { city: { type: 'string', description: 'The city' } },
  required: ['city'],
  additionalProperties: false,
} as const;
