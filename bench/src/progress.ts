/** Prints one progress line to standard error: rewritten in place on a terminal, else every quarter. */
export class Progress {
  private lastQuarter = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {
    this.update(0);
  }

  update(done: number): void {
    const text = `  ${this.label}: ${done}/${this.total}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${text}\u001b[K`);
      return;
    }
    const quarter = Math.floor((4 * done) / Math.max(1, this.total));
    if (quarter > this.lastQuarter) {
      this.lastQuarter = quarter;
      process.stderr.write(`${text}\n`);
    }
  }

  done(summary: string): void {
    if (process.stderr.isTTY) process.stderr.write(`\r  ${this.label}: ${summary}\u001b[K\n`);
    else process.stderr.write(`  ${this.label}: ${summary}\n`);
  }
}
