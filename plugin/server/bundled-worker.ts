// Entry of a data-plane worker thread when the build's bundle is current
// (../workers/spare-worker.ts): the bundle, run with V8's code cache.
import { runBundle } from './bundle-loader';

runBundle();
