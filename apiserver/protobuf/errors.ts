// The one error the decoder lets out: its message names what is wrong and where (the JSON path of
// the field), so the API server can answer 400 BadRequest with it verbatim.
export class ProtobufDecodeError extends Error {
  override name = "ProtobufDecodeError";

  constructor(
    message: string,
    /** The JSON path of the field being decoded, once known. */
    readonly path?: string,
  ) {
    super(message);
  }
}
