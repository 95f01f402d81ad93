/** A selector the apiserver must refuse; the message is upstream's, the lead answers 400 BadRequest with it. */
export class SelectorError extends Error {
  override readonly name = "SelectorError";
}
