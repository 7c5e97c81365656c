/** A problem that stops a prove run before anything is proved (exit 2): a message, where, and a hint. */
export class RunProblem extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly location = 'tenant-scope prove',
  ) {
    super(message);
  }
}
