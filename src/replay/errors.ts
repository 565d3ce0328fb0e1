/**
 * Failures at replay's I/O boundaries (libpcap, the interface, the capture file). Each message
 * says what went wrong and what to do about it; `exitCode` is the CLI status to leave with.
 */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
  readonly exitCode: number;

  constructor(message: string, exitCode = 2, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

export const CAP_MISSING_HINT =
  "lvscope replay needs the optional 'cap' package and libpcap: apt-get install -y libpcap-dev && npm install cap";

export const SENDER_MISSING_HINT =
  "lvscope replay needs the optional 'koffi' package (npm install koffi), or 'cap' with libpcap: apt-get install -y libpcap-dev && npm install cap";
