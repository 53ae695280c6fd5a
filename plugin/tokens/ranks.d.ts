// js-tiktoken declares its rank files through package.json `exports`, which
// this project's `moduleResolution: node` does not read; Node resolves them.
declare module 'js-tiktoken/ranks/o200k_base' {
  import type { TiktokenBPE } from 'js-tiktoken/lite';
  const ranks: TiktokenBPE;
  export default ranks;
}
