package io.scorestream.schemas.serde;

/**
 * Confluent's wire format: byte 0 is the magic byte 0, bytes 1–4 the schema id as a big-endian
 * int, then the Avro binary encoding of the datum with the writer's schema.
 */
public final class WireFormat {

    /** The first byte of every value. */
    public static final byte MAGIC_BYTE = 0;
    /** Bytes of the schema id. */
    public static final int ID_SIZE = 4;
    /** Bytes before the Avro datum: the magic byte and the schema id. */
    public static final int HEADER_SIZE = 1 + ID_SIZE;

    private WireFormat() {
    }
}
