// Streams carry signed reasoning in pieces (ChunkDelta.thinking_blocks, the
// shape LiteLLM streams): text pieces of one thinking block, then a piece
// with its signature, which ends that block; a redacted block comes whole.
// This puts the pieces back together, block by block.
import type { ThinkingBlock } from './types';

export class ThinkingBlockAssembler {
  private readonly done: ThinkingBlock[] = [];
  private open: { thinking: string } | undefined;

  push(pieces: ThinkingBlock[] | undefined): void {
    for (const piece of pieces ?? []) {
      if (piece.type === 'redacted_thinking') {
        this.closeUnsigned();
        this.done.push({ type: 'redacted_thinking', data: piece.data });
        continue;
      }
      this.open ??= { thinking: '' };
      this.open.thinking += piece.thinking ?? '';
      if (piece.signature) {
        this.done.push({ type: 'thinking', thinking: this.open.thinking, signature: piece.signature });
        this.open = undefined;
      }
    }
  }

  /** The blocks so far; a block still waiting for its signature is included unsigned. */
  blocks(): ThinkingBlock[] {
    return this.open && this.open.thinking !== '' ? [...this.done, { type: 'thinking', thinking: this.open.thinking }] : [...this.done];
  }

  private closeUnsigned(): void {
    if (this.open && this.open.thinking !== '') this.done.push({ type: 'thinking', thinking: this.open.thinking });
    this.open = undefined;
  }
}
