// A call seen through a part of its request: a Responses call's attempts run
// on its chat form. A view, not a copy: the request stays in the call's one
// slot, so the release a committed stream makes empties it (a copy with the
// part as a plain field held the whole request for the stream's minutes).
import type { Sink } from '../ingress/contract';
import type { Call } from './call-kind';
import type { CallSignal } from './call-signal';

export function viewCall<Whole, Part, S extends Sink>(call: Call<Whole, S>, part: (whole: Whole) => Part): Call<Part, S> {
  return new CallView(call, part);
}

/** A class, not an object literal with an accessor (see OpenCall in run-request.ts). */
class CallView<Whole, Part, S extends Sink> implements Call<Part, S> {
  readonly endpoint: Call<Part, S>['endpoint'];
  readonly sink: S;
  readonly trace: Call<Part, S>['trace'];
  readonly signal: CallSignal;
  readonly redact: Call<Part, S>['redact'];
  readonly budgetHeaders: Call<Part, S>['budgetHeaders'];

  constructor(
    private readonly whole: Call<Whole, S>,
    private readonly part: (whole: Whole) => Part,
  ) {
    this.endpoint = whole.endpoint;
    this.sink = whole.sink;
    this.trace = whole.trace;
    this.signal = whole.signal;
    this.redact = whole.redact;
    this.budgetHeaders = whole.budgetHeaders;
  }

  get request(): Part {
    return this.part(this.whole.request);
  }

  releaseRequest(): void {
    this.whole.releaseRequest?.();
  }
}
