// The console's API client, typed by the types openapi-typescript generates
// from openapi.yaml at build time: a changed API breaks the console's build.
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Endpoint = Schemas['Endpoint'];
export type EndpointInput = Schemas['EndpointCreate'];
export type Secret = Schemas['Secret'];
export type Budget = Schemas['Budget'];
export type BudgetInput = Schemas['BudgetInput'];
export type BudgetSpend = Schemas['BudgetSpend'];
export type Trace = Schemas['Trace'];
export type AuditEntry = Schemas['AuditEntry'];
export type ProviderId = Schemas['ProviderId'];
export type Api = Client<paths>;

export interface ErrorDetail {
  field?: string;
  message: string;
  /** Other keys the API adds, e.g. `endpoint` on secret_in_use. */
  [key: string]: unknown;
}

/** A non-2xx answer in the control plane's error shape. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

type ErrorBody = { error?: { code?: string; message?: string; details?: Array<Record<string, unknown>> } };

export function failureOf(status: number, body: unknown): ApiFailure {
  const error = (body as ErrorBody | undefined)?.error;
  const details = (error?.details ?? []).map((d) => ({ ...d, field: typeof d.field === 'string' ? d.field : undefined, message: messageText(d.message) }));
  return new ApiFailure(status, error?.code ?? `http_${status}`, error?.message ?? `the control plane answered ${status}`, details);
}

/**
 * `onUnauthorized` runs on any 401 (expired or revoked token) with the
 * server's reason, so the session ends with a message instead of a broken page.
 */
export function createApi(token: string, onUnauthorized: (message: string) => void): Api {
  const api = createClient<paths>({ baseUrl: window.location.origin });
  api.use({
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
    async onResponse({ response }) {
      if (response.status === 401) {
        const body = (await response
          .clone()
          .json()
          .catch(() => undefined)) as ErrorBody | undefined;
        onUnauthorized(body?.error?.message ?? 'the control plane no longer accepts this token');
      }
      return response;
    },
  });
  return api;
}

/** The data of an openapi-fetch result, or an ApiFailure. */
export async function must<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw failureOf(response.status, error);
  return data as T;
}

/** A detail's message as text (the control plane sends strings; anything else is shown as JSON). */
function messageText(message: unknown): string {
  if (message === undefined || message === null) return '';
  return typeof message === 'string' ? message : JSON.stringify(message);
}
