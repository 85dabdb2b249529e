package io.scorestream.schemas.serde;

/**
 * Confluent's wire format: byte 0 is the magic byte 0, bytes 1–4 the schema id as a big-endian
 * int, then the Avro binary encoding of the datum with the writer's schema.
 */
final class WireFormat {

    static final byte MAGIC_BYTE = 0;
    static final int ID_SIZE = 4;
    static final int HEADER_SIZE = 1 + ID_SIZE;

    private WireFormat() {
    }
}
