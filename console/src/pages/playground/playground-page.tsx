import { useEffect, useRef, useState } from 'preact/hooks';
import { failureOf, must, type Trace } from '../../api/client';
import { useLoad } from '../../api/use-load';
import { NumberField, SelectField, TextArea } from '../../components/fields';
import { ErrorNotice, Loading } from '../../components/notices';
import { formatCount, formatMs, formatTime, formatUsd } from '../../format';
import { href } from '../../router';
import { useSession } from '../../session/session-context';
import { readChatStream } from './read-chat-stream';

interface Answer {
  text: string;
  status: 'streaming' | 'done' | 'failed' | 'stopped';
  error?: string;
  headers: Record<string, string>;
  usage?: { promptTokens: number; completionTokens: number; totalTokens: number };
  trace?: Trace;
}

const SHOWN_HEADERS = [
  'x-gateway-provider',
  'x-gateway-model',
  'x-gateway-attempts',
  'x-gateway-overhead-ms',
  'x-gateway-trace-id',
  'retry-after',
  'x-budget-remaining',
  'x-budget-reset',
  'x-budget-policy',
  'x-budget-max-tokens',
];

/** Sends one chat message to an endpoint through the gateway (via the control plane) and shows the answer as it streams. */
export function PlaygroundPage({ endpoint: initial }: { endpoint?: string }) {
  const { api, canEdit, claims } = useSession();
  const endpoints = useLoad(() => must(api.GET('/api/v1/endpoints')), []);
  const chat = (endpoints.data?.items ?? []).filter((e) => e.kind === 'chat');
  const [endpoint, setEndpoint] = useState(initial ?? '');
  const [system, setSystem] = useState('');
  const [message, setMessage] = useState('');
  const [maxTokens, setMaxTokens] = useState('256');
  const [answer, setAnswer] = useState<Answer>();
  const [formError, setFormError] = useState<string>();
  const abort = useRef<AbortController | undefined>(undefined);
  const chosen = endpoint || chat[0]?.name || '';

  useEffect(() => () => abort.current?.abort(), []);

  if (!canEdit) {
    return (
      <>
        <h1 tabIndex={-1}>Playground</h1>
        <ErrorNotice error="The playground sends real requests through the gateway; only admins may use it." title="Not allowed" />
      </>
    );
  }

  const send = async (e: Event) => {
    e.preventDefault();
    if (!chosen) return setFormError('Choose an endpoint.');
    if (!message.trim()) return setFormError('Write a message.');
    setFormError(undefined);
    const controller = new AbortController();
    abort.current = controller;
    let current: Answer = { text: '', status: 'streaming', headers: {} };
    const update = (patch: Partial<Answer>) => {
      current = { ...current, ...patch };
      setAnswer(current);
    };
    update({});
    try {
      const { data, error, response } = await api.POST('/api/v1/playground/chat', {
        body: {
          endpoint: chosen,
          messages: [...(system.trim() ? [{ role: 'system' as const, content: system }] : []), { role: 'user' as const, content: message }],
          ...(maxTokens ? { maxTokens: Number(maxTokens) } : {}),
        },
        parseAs: 'stream',
        signal: controller.signal,
      });
      const headers = Object.fromEntries(SHOWN_HEADERS.flatMap((h) => (response.headers.get(h) !== null ? [[h, response.headers.get(h)!]] : [])));
      update({ headers });
      if (!response.ok || !data) {
        update({ status: 'failed', error: failureOf(response.status, error).message });
      } else {
        for await (const event of readChatStream(data)) {
          if (event.kind === 'text') update({ text: current.text + event.text });
          else if (event.kind === 'usage') update({ usage: event });
          else update({ error: event.message });
        }
        update({ status: current.error ? 'failed' : 'done' });
      }
    } catch (err) {
      update(controller.signal.aborted ? { status: 'stopped' } : { status: 'failed', error: (err as Error).message });
    }
    const traceId = current.headers['x-gateway-trace-id'];
    if (traceId) update({ trace: await waitForTrace(traceId) });
  };

  // Traces reach the control plane in batches: poll a little while for this one.
  const waitForTrace = async (id: string): Promise<Trace | undefined> => {
    for (let i = 0; i < 20; i++) {
      const { data, response } = await api.GET('/api/v1/traces/{id}', { params: { path: { id } } });
      if (response.ok && data) return data;
      await new Promise((r) => setTimeout(r, 500));
    }
    return undefined;
  };

  return (
    <>
      <h1 tabIndex={-1}>Playground</h1>
      <p class="lead">
        Sends a chat message to an endpoint through the gateway, as a client would, and shows the answer as it streams. It is a real request: it is traced,
        counted in usage and charged to budgets (as user “{claims.sub}”).
      </p>
      <ErrorNotice error={endpoints.error} />
      {!endpoints.data && !endpoints.error ? <Loading what="endpoints" /> : null}
      <form onSubmit={send} class="playground-form">
        <SelectField
          label="Endpoint"
          name="endpoint"
          value={chosen}
          onChange={setEndpoint}
          options={
            chat.length
              ? chat.map((e) => ({ value: e.name, label: e.enabled ? e.name : `${e.name} (disabled)` }))
              : [{ value: '', label: 'No chat endpoints yet' }]
          }
        />
        <TextArea label="System prompt (optional)" name="system" value={system} onInput={setSystem} rows={2} />
        <TextArea label="Message" name="message" value={message} onInput={setMessage} rows={4} error={formError} required />
        <NumberField label="Max tokens" name="maxTokens" value={maxTokens} onInput={setMaxTokens} min={1} max={100000} />
        <div class="actions">
          <button type="submit" class="primary" disabled={answer?.status === 'streaming'}>
            Send
          </button>
          {answer?.status === 'streaming' ? (
            <button type="button" onClick={() => abort.current?.abort()}>
              Stop
            </button>
          ) : null}
        </div>
      </form>
      {answer ? <AnswerView answer={answer} /> : null}
    </>
  );
}

function AnswerView({ answer }: { answer: Answer }) {
  const h = answer.headers;
  const traceId = h['x-gateway-trace-id'];
  return (
    <section class="answer" aria-labelledby="answer-title">
      <h2 id="answer-title">
        Answer <span class={`status status-${answer.status}`}>{answer.status}</span>
      </h2>
      <div class="answer-text" id="answer-text" aria-live="polite" aria-busy={answer.status === 'streaming'}>
        {answer.text}
      </div>
      {answer.error ? <ErrorNotice error={answer.error} title="The gateway answered with an error" /> : null}
      <dl class="facts" aria-label="Gateway response">
        <dt>Provider</dt>
        <dd data-fact="provider">{h['x-gateway-provider'] ?? '–'}</dd>
        <dt>Model</dt>
        <dd data-fact="model">{h['x-gateway-model'] ?? '–'}</dd>
        <dt>Attempts</dt>
        <dd data-fact="attempts">{h['x-gateway-attempts'] ?? '–'}</dd>
        <dt>Gateway overhead</dt>
        <dd data-fact="overhead">{h['x-gateway-overhead-ms'] ? `${h['x-gateway-overhead-ms']} ms` : '–'}</dd>
        <dt>Tokens</dt>
        <dd data-fact="tokens">{answer.usage ? `${formatCount(answer.usage.promptTokens)} in · ${formatCount(answer.usage.completionTokens)} out` : '–'}</dd>
        <dt>Cost</dt>
        <dd data-fact="cost">
          {answer.trace ? formatUsd(answer.trace.costUsd ?? 0) : traceId && answer.status !== 'streaming' ? 'waiting for the trace…' : '–'}
        </dd>
        <dt>Time to first token</dt>
        <dd data-fact="ttft">{answer.trace ? formatMs(answer.trace.ttftMs) : '–'}</dd>
        {h['retry-after'] ? (
          <>
            <dt>Retry after</dt>
            <dd>{h['retry-after']} s</dd>
          </>
        ) : null}
        {h['x-budget-policy'] ? (
          <>
            <dt>Budget</dt>
            <dd data-fact="budget">
              {h['x-budget-remaining']} left in “{h['x-budget-policy']}” until {formatTime(h['x-budget-reset'])}
            </dd>
          </>
        ) : null}
        {h['x-budget-max-tokens'] ? (
          <>
            <dt>Fits the budget now</dt>
            <dd>with Max tokens at most {h['x-budget-max-tokens']}</dd>
          </>
        ) : null}
        <dt>Trace</dt>
        <dd data-fact="trace">{traceId ? <a href={href(['traces', traceId])}>{traceId}</a> : '–'}</dd>
      </dl>
    </section>
  );
}
