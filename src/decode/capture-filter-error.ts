/** A capture filter expression that does not parse, with the column of the offending token. */
export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  /** 1-based column of the offending token in the expression. */
  readonly column: number;
  constructor(column: number, message: string) {
    super(`column ${column}: ${message}`);
    this.column = column;
  }
}
