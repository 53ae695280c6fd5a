import { ApiFailure } from '../api/client';

/** An API failure (or any error) said plainly, with the server's message. */
export function ErrorNotice({ error, title }: { error?: Error | string; title?: string }) {
  if (!error) return null;
  const message = typeof error === 'string' ? error : error.message;
  const status = error instanceof ApiFailure ? error.status : undefined;
  const heading =
    title ?? (status === 403 ? 'Not allowed (403)' : status === 404 ? 'Not found (404)' : status === 409 ? 'Conflict (409)' : 'Something went wrong');
  return (
    <div class="notice error" role="alert">
      <strong>{heading}</strong>
      <p>{message}</p>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}
