/**
 * The property under which an ended span keeps its OTLP/protobuf encoding until its batch is exported (written
 * by the span export processor, read by the encoder). RecordingSpan declares it, so setting it does not change
 * the span object's shape on the request path.
 */
export const ENCODED_SPAN: unique symbol = Symbol("procode.otlp.encodedSpan");
