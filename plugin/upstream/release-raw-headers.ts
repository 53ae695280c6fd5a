// undici 8 keeps each response's raw headers (an array of Buffers, one per
// name and value) on the request's controller for as long as the request
// lives: for a stream, minutes, ~1.2 KiB each (bench/RESULTS.md §41). Every
// handler below this one has read them by the time its onResponseStart
// returns, so this interceptor lets go of them there. (undici 7 keeps none
// unless handlers are composed: its request() takes the older handler API.)
import type { Dispatcher } from 'undici';

type Controller = Dispatcher.DispatchController;
type Headers = Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2];

class ReleasingHandler implements Dispatcher.DispatchHandler {
  constructor(private readonly inner: Dispatcher.DispatchHandler) {}

  onRequestStart(controller: Controller, context: unknown): void {
    this.inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>): void {
    this.inner.onRequestUpgrade?.(...args);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Headers, statusMessage?: string): void {
    this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
    controller.rawHeaders = null;
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Controller, trailers: Headers): void {
    this.inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Controller, error: Error): void {
    this.inner.onResponseError?.(controller, error);
  }
}

/** An interceptor (`dispatcher.compose(releaseRawHeaders)`). */
export const releaseRawHeaders: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) => dispatch(options, new ReleasingHandler(handler));
