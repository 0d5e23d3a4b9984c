package dev.lethe.engine.io;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A corpus of broken or hostile safetensors files: each must fail fast with its own precise message. */
class HostileSafetensorsTest {
    @TempDir
    Path dir;

    private void assertRejected(Path file, String... fragments) {
        var a = assertThatThrownBy(() -> {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                f.names();
            }
        }).isInstanceOf(CheckpointFormatException.class).hasMessageContaining(file.toString());
        for (String s : fragments) {
            a.hasMessageContaining(s);
        }
    }

    private Path raw(String name, String header, byte[] data) throws Exception {
        return RawSafetensors.write(dir.resolve(name), header, data);
    }

    @Test
    void truncatedBeforeTheLengthField() throws Exception {
        Path f = dir.resolve("t.safetensors");
        Files.write(f, new byte[] {1, 2, 3, 4, 5});
        assertRejected(f, "truncated safetensors file", "5 bytes");
    }

    @Test
    void emptyFile() throws Exception {
        Path f = dir.resolve("e.safetensors");
        Files.write(f, new byte[0]);
        assertRejected(f, "truncated safetensors file", "0 bytes");
    }

    @Test
    void headerLengthLargerThanFile() throws Exception {
        Path f = RawSafetensors.write(dir.resolve("h.safetensors"), 1000, "{}".getBytes(StandardCharsets.UTF_8),
                new byte[0]);
        assertRejected(f, "header length 1000 bytes is larger than the file (10 bytes");
    }

    @Test
    void hugeHeaderLength() throws Exception {
        Path f = RawSafetensors.write(dir.resolve("huge.safetensors"), 1L << 62, "{}".getBytes(StandardCharsets.UTF_8),
                new byte[0]);
        assertRejected(f, "header length 4611686018427387904 bytes exceeds the 104857600-byte limit");
    }

    @Test
    void headerLengthWithTopBitSet() throws Exception {
        Path f = RawSafetensors.write(dir.resolve("neg.safetensors"), -1L, "{}".getBytes(StandardCharsets.UTF_8),
                new byte[0]);
        assertRejected(f, "header length 18446744073709551615 bytes exceeds");
    }

    @Test
    void zipOrPickleContentIsRecognised() throws Exception {
        Path f = dir.resolve("weights.safetensors");
        Files.write(f, new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0});
        assertRejected(f, "starts like a zip archive", "convert it to safetensors");
        Path g = dir.resolve("pickled.safetensors");
        Files.write(g, new byte[] {(byte) 0x80, 2, 'c', 'x', 'y', 'z', 'w', 'v', 'u', 't'});
        assertRejected(g, "starts like a Python pickle");
    }

    @Test
    void headerNotUtf8() throws Exception {
        byte[] h = {'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'};
        Path f = RawSafetensors.write(dir.resolve("u.safetensors"), h.length, h, new byte[0]);
        assertRejected(f, "the header is not valid UTF-8");
    }

    @Test
    void headerNotJson() throws Exception {
        assertRejected(raw("j.safetensors", "{\"a\": ", new byte[0]), "the header is not well-formed JSON");
    }

    @Test
    void headerJsonNotAnObject() throws Exception {
        assertRejected(raw("arr.safetensors", "[1, 2, 3]", new byte[0]), "the header must be a JSON object",
                "a JSON array");
    }

    @Test
    void duplicateTensorName() throws Exception {
        String e = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        assertRejected(raw("dup.safetensors", "{\"w\":" + e + ",\"w\":" + e + "}", new byte[4]),
                "Duplicate field 'w'");
    }

    @Test
    void unknownDtype() throws Exception {
        assertRejected(raw("dt.safetensors", "{\"w\":{\"dtype\":\"Q4_K\",\"shape\":[2],\"data_offsets\":[0,2]}}",
                new byte[2]), "tensor 'w': unknown dtype 'Q4_K'", "supported: F64, F32, F16, BF16");
    }

    @Test
    void shapeTimesDtypeSizeDiffersFromRange() throws Exception {
        assertRejected(raw("sz.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}",
                new byte[24]), "tensor 'w': shape [2,3] x F32 (4 bytes) needs 24 bytes but data_offsets [0, 20] hold"
                + " 20");
    }

    @Test
    void offsetsOutsideTheFile() throws Exception {
        assertRejected(raw("out.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
                new byte[16]), "tensor 'w': data_offsets [8, 24] reach past the end of the data section (16 bytes)");
    }

    @Test
    void hugeOffsetsDoNotAllocate() throws Exception {
        assertRejected(raw("big.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1073741824,1024],"
                + "\"data_offsets\":[0,4398046511104]}}", new byte[16]), "reach past the end of the data section");
    }

    @Test
    void overlappingRanges() throws Exception {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        assertRejected(raw("ov.safetensors", h, new byte[16]), "tensor 'b' bytes [8, 16) overlap tensor 'a' bytes"
                + " [0, 16)");
    }

    @Test
    void negativeDimension() throws Exception {
        assertRejected(raw("neg.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-2],\"data_offsets\":[0,16]}}",
                new byte[16]), "tensor 'w': shape[1] = -2 is negative");
    }

    @Test
    void nonIntegerDimension() throws Exception {
        assertRejected(raw("frac.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
                new byte[4]), "tensor 'w': shape[0] = 1.5 is not an integer");
        assertRejected(raw("str.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"4\"],\"data_offsets\":[0,16]}}",
                new byte[16]), "tensor 'w': shape[0] = \"4\" is not an integer");
    }

    @Test
    void elementCountOverflow() throws Exception {
        assertRejected(raw("ovf.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                + "\"data_offsets\":[0,4]}}", new byte[4]), "has more elements than fit in 64 bits");
    }

    @Test
    void reversedRange() throws Exception {
        assertRejected(raw("rev.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}",
                new byte[8]), "data_offsets [8, 4] are not a valid range");
    }

    @Test
    void missingOrMalformedFields() throws Exception {
        assertRejected(raw("m1.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]),
                "tensor 'w': field 'data_offsets' must be [begin, end]");
        assertRejected(raw("m2.safetensors", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'w': field 'dtype' is missing");
        assertRejected(raw("m3.safetensors", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'w': field 'shape' is missing");
        assertRejected(raw("m4.safetensors", "{\"w\":[1,2]}", new byte[4]), "tensor 'w': entry must be an object");
    }

    @Test
    void metadataMustBeStrings() throws Exception {
        assertRejected(raw("md.safetensors", "{\"__metadata__\":{\"format\":\"pt\",\"step\":3}}", new byte[0]),
                "__metadata__ field 'step' must be a string");
        assertRejected(raw("md2.safetensors", "{\"__metadata__\":[1]}", new byte[0]),
                "__metadata__ must be a JSON object");
    }

    @Test
    void deeplyNestedHeaderIsRejectedNotOverflowed() throws Exception {
        String deep = "{\"w\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertRejected(raw("deep.safetensors", deep, new byte[0]), "the header is not well-formed JSON");
    }

    @Test
    void missingFileHasClearMessage() {
        Path f = dir.resolve("nope.safetensors");
        assertRejected(f, "no such safetensors file");
    }
}
