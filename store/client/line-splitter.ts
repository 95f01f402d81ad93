// Cuts a text stream into newline-terminated lines, as the gateway frames a streaming answer.

export class LineSplitter {
  private buffered = "";

  constructor(
    /** Longest line (in UTF-16 units) held while waiting for its end; a longer one is an error. */
    private readonly lineLengthMax: number,
  ) {}

  /** The whole lines completed by `chunk`, without their "\n"; blank lines are skipped. */
  push(chunk: string): string[] {
    this.buffered += chunk;
    const lines = this.buffered.split("\n");
    this.buffered = lines.pop() ?? "";
    if (this.buffered.length > this.lineLengthMax) {
      throw new Error(`a stream line passed ${this.lineLengthMax} characters without ending`);
    }
    return lines.filter((line) => line.trim() !== "");
  }
}
